// kcell: train, evaluate and inspect image classifiers from the command line.
// Exit codes: 0 success, 2 usage error, 1 any other failure (kcell's message on stderr).
#include <CLI/CLI.hpp>

#include <cstdio>

#include "commands.hpp"
#include "common.hpp"

int main(int argc, char** argv) {
  CLI::App app{"kcell: CNN classifiers for small biomedical images, on CPUs", "kcell"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("kcell ") + kcell_version());
  kcell_cli::add_info_command(app);
  kcell_cli::add_train_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const kcell_cli::Failure& e) {
    std::fprintf(stderr, "kcell: %s\n", e.what());
    return 1;
  }
  return 0;
}
