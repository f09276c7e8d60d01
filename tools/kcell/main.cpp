// kcell: train, evaluate and inspect image classifiers from the command line.
// Exit codes: 0 success, 2 usage error, 1 any other failure; errors are one line on stderr.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "ranks.hpp"

namespace {

// CLI11's message on one line, naming the subcommand and where to find help.
void print_usage_error(const CLI::App& app, const CLI::ParseError& e) {
  std::string message = e.what();
  for (char& ch : message)
    if (ch == '\n') ch = ' ';
  std::string command = "kcell";
  for (const CLI::App* sub : app.get_subcommands()) command += " " + sub->get_name();
  std::fprintf(stderr, "%s: %s (see '%s --help')\n", command.c_str(), message.c_str(),
               command.c_str());
}

// The one-line error of a failed command; on several ranks it ends them all (the others
// would wait for this one), naming the rank.
int fail(const char* message) {
  std::fflush(stdout);
  kcell_cli::abort_run(message);
  std::fprintf(stderr, "kcell: %s\n", message);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const kcell_cli::Ranks ranks(&argc, &argv);
  CLI::App app{
      "kcell: CNN classifiers for small biomedical images, on CPUs.\n"
      "Exit codes: 0 success, 2 usage error, 1 any other failure.",
      "kcell"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kcell " + kcell::version());
  kcell_cli::add_info_command(app);
  kcell_cli::add_train_command(app);
  kcell_cli::add_eval_command(app);
  kcell_cli::add_predict_command(app);
  kcell_cli::add_export_command(app);
  kcell_cli::add_convert_command(app);
  kcell_cli::add_calibrate_command(app);
  kcell_cli::add_explain_command(app);
  kcell_cli::add_summary_command(app);
  kcell_cli::add_sweep_command(app);
  kcell_cli::add_tune_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_usage_error(app, e);
    return 2;
  } catch (const kcell_cli::Failure& e) {
    return fail(e.what());
  } catch (const std::bad_alloc&) {
    return fail("out of memory");
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}
