// Ensemble files: the manifest kcell.json, then members/<i>.kcell, each a whole model file
// stored as its bytes (so numpy.load of the member bytes opens it too).
#include "model/ensemble_file.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "io/byte_source.hpp"
#include "io/printable.hpp"
#include "io/zip_archive.hpp"
#include "io/zip_members.hpp"
#include "io/zip_writer.hpp"
#include "model/model_file.hpp"
#include "model/model_file_metadata.hpp"

namespace kcell::model {
namespace {

constexpr char kEnsembleFormat[] = "kcell-ensemble";

std::string member_name(size_t i) { return "members/" + std::to_string(i) + ".kcell"; }

std::string manifest_json(size_t count, const std::string& kcell_version) {
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  doc["format"] = kEnsembleFormat;
  doc["format_version"] = kEnsembleFormatVersion;
  doc["kcell_version"] = kcell_version;
  doc["combine"] = "mean_probability";
  nlohmann::ordered_json names = nlohmann::ordered_json::array();
  for (size_t i = 0; i < count; ++i) names.push_back(member_name(i));
  doc["members"] = names;
  return doc.dump(2) + "\n";
}

// The manifest's member names when kcell.json is an ensemble manifest; empty for a
// single model's metadata (which read_model then checks in full).
std::vector<std::string> ensemble_member_names(const std::string& text, const std::string& where) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("format") || doc["format"] != kEnsembleFormat) return {};
  const auto version = doc.find("format_version");
  if (version == doc.end() || !version->is_number_integer() || *version != kEnsembleFormatVersion)
    fail(Status::format, where + ": ensemble file format version " +
                             (version == doc.end() ? std::string("(missing)") : version->dump()) +
                             " is not supported; this kcell reads version " +
                             std::to_string(kEnsembleFormatVersion) +
                             " (was the file written by a newer kcell?)");
  const auto combine = doc.find("combine");
  if (combine == doc.end() || *combine != "mean_probability")
    fail(Status::format, where + ": 'combine' must be \"mean_probability\"");
  const auto members = doc.find("members");
  if (members == doc.end() || !members->is_array() || members->empty() ||
      members->size() > kMaxEnsembleMembers)
    fail(Status::format, where + ": 'members' must list 1 to " +
                             std::to_string(kMaxEnsembleMembers) + " member files");
  std::vector<std::string> names;
  for (size_t i = 0; i < members->size(); ++i) {
    if ((*members)[i] != member_name(i))
      fail(Status::format,
           where + ": members[" + std::to_string(i) + "] must be \"" + member_name(i) + "\"");
    names.push_back(member_name(i));
  }
  return names;
}

std::unique_ptr<Model> read_member(io::ZipArchive& zip, const std::string& name) {
  const std::string where = zip.path() + ": " + name;
  if (!zip.has_member(name)) fail(Status::format, where + " is missing");
  const std::vector<uint8_t> bytes =
      io::read_member_bytes(zip, name, kMaxModelFileBytes, "a model file");
  io::ZipArchive inner(bytes.data(), bytes.size(), where);
  return read_model(inner);
}

Members read_models(io::ZipArchive& zip) {
  const std::string where = zip.path() + ": " + kMetadataMember;
  std::vector<std::string> names;
  if (zip.has_member(kMetadataMember))
    names = ensemble_member_names(read_text_member(zip, kMetadataMember), where);
  Members members;
  if (names.empty()) {
    members.push_back(read_model(zip));
    return members;
  }
  for (const std::string& member : zip.member_names())
    if (member != kMetadataMember && std::find(names.begin(), names.end(), member) == names.end())
      fail(Status::format, zip.path() + ": unexpected member '" + io::printable(member) +
                               "' (not a member model of the ensemble)");
  for (const std::string& name : names) members.push_back(read_member(zip, name));
  std::vector<const Model*> views;
  for (const auto& m : members) views.push_back(m.get());
  try {
    check_ensemble_members(views);
  } catch (const Error& e) {
    fail(Status::format, zip.path() + ": " + e.what());
  }
  return members;
}

}  // namespace

void check_ensemble_members(const std::vector<const Model*>& members) {
  if (members.empty() || members.size() > kMaxEnsembleMembers)
    fail(Status::invalid_argument, "an ensemble needs 1 to " + std::to_string(kMaxEnsembleMembers) +
                                       " models, not " + std::to_string(members.size()));
  const Model& first = *members[0];
  for (size_t i = 1; i < members.size(); ++i) {
    const Model& m = *members[i];
    const std::string which = "ensemble member " + std::to_string(i);
    if (m.channels() != first.channels() || m.height() != first.height() ||
        m.width() != first.width())
      fail(Status::invalid_argument,
           which + " takes " + std::to_string(m.channels()) + "x" + std::to_string(m.height()) +
               "x" + std::to_string(m.width()) + " images, member 0 " +
               std::to_string(first.channels()) + "x" + std::to_string(first.height()) + "x" +
               std::to_string(first.width()));
    if (m.num_classes() != first.num_classes())
      fail(Status::invalid_argument, which + " has " + std::to_string(m.num_classes()) +
                                         " classes, member 0 " +
                                         std::to_string(first.num_classes()));
    if (m.task() != first.task())
      fail(Status::invalid_argument, which + " is " + data::task_name(m.task()) + ", member 0 " +
                                         data::task_name(first.task()) +
                                         " (their probabilities mean different things)");
    if (m.class_names() != first.class_names())
      fail(Status::invalid_argument, which + " names its classes differently from member 0");
    if (m.normalization().mean != first.normalization().mean ||
        m.normalization().std != first.normalization().std)
      fail(Status::invalid_argument,
           which +
               " normalises its input differently from member 0 (members must be "
               "trained on the same training images)");
  }
}

std::vector<uint8_t> save_models_to_memory(const std::vector<Model*>& members,
                                           const std::string& kcell_version) {
  check_ensemble_members(std::vector<const Model*>(members.begin(), members.end()));
  if (members.size() == 1) return save_model_to_memory(*members[0], kcell_version);
  io::ZipWriter zip;
  const std::string manifest = manifest_json(members.size(), kcell_version);
  zip.add(kMetadataMember, manifest.data(), manifest.size());
  for (size_t i = 0; i < members.size(); ++i) {
    const std::vector<uint8_t> bytes = save_model_to_memory(*members[i], kcell_version);
    zip.add(member_name(i), bytes.data(), bytes.size());
  }
  return zip.finish();
}

void save_models(const std::vector<Model*>& members, const std::string& path,
                 const std::string& kcell_version) {
  const std::vector<uint8_t> bytes = save_models_to_memory(members, kcell_version);
  write_file_atomically(path, bytes.data(), bytes.size());
}

Members load_models(const std::string& path) {
  io::ZipArchive zip(path);
  return read_models(zip);
}

Members load_models_from_memory(const void* data, size_t size) {
  io::ZipArchive zip(data, size, "<memory buffer>");
  return read_models(zip);
}

}  // namespace kcell::model
