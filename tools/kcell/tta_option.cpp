#include "tta_option.hpp"

#include <CLI/CLI.hpp>

#include "common.hpp"

namespace kcell_cli {
namespace {

constexpr const char* kNames[] = {"none", "flips", "flips4", "dihedral"};

}  // namespace

const char* tta_name(kcell_tta tta) {
  return tta >= KCELL_TTA_NONE && tta <= KCELL_TTA_DIHEDRAL ? kNames[tta] : "unknown";
}

int tta_views(kcell_tta tta) {
  return tta >= KCELL_TTA_NONE && tta <= KCELL_TTA_DIHEDRAL ? 1 << tta : 0;
}

std::string tta_text(kcell_tta tta) {
  const int views = tta_views(tta);
  return std::string(tta_name(tta)) +
         (views == 1 ? " (1 view)" : " (" + std::to_string(views) + " views)");
}

void add_tta_option(CLI::App& cmd, std::string& value, const std::string& auto_help) {
  cmd.add_option("--tta", value,
                 "Test-time augmentation: the mean probability over views of each image: "
                 "none, flips (left-right mirror), flips4 (both mirrors), dihedral (the 8 "
                 "flips and quarter turns, square images only), or auto (" +
                     auto_help + ")")
      ->check(CLI::IsMember({"auto", "none", "flips", "flips4", "dihedral"}))
      ->capture_default_str();
}

void apply_tta_option(kcell::Model& model, const std::string& value) {
  if (value == "auto") return;
  for (int tta = KCELL_TTA_NONE; tta <= KCELL_TTA_DIHEDRAL; ++tta)
    if (value == kNames[tta])
      in_context("--tta " + value, [&] { model.set_tta(static_cast<kcell_tta>(tta)); });
}

}  // namespace kcell_cli
