// `kcell info DATA`: splits, image shape, counts and class histogram of a dataset.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"

namespace kcell_cli {

void print_dataset_summary(const kcell_dataset* dataset, const std::string& path) {
  int channels = 0, height = 0, width = 0, classes = 0;
  check(kcell_dataset_shape(dataset, &channels, &height, &width), path);
  check(kcell_dataset_num_classes(dataset, &classes), path);
  std::printf("%s: %d×%d×%d images, %d classes\n", path.c_str(), channels, height, width,
              classes);
  for (kcell_split split : {KCELL_SPLIT_TRAIN, KCELL_SPLIT_VAL, KCELL_SPLIT_TEST}) {
    size_t count = 0;
    check(kcell_dataset_count(dataset, split, &count), path);
    if (count == 0) continue;
    std::printf("  %-5s %8zu images", split_name(split), count);
    if (classes > 0) {
      std::vector<size_t> histogram(static_cast<size_t>(classes));
      check(kcell_dataset_class_histogram(dataset, split, histogram.data(), histogram.size()),
            path);
      std::printf("  per class:");
      for (size_t n : histogram) std::printf(" %zu", n);
    }
    std::printf("\n");
  }
}

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Show a dataset's splits, image shape and classes");
  auto path = std::make_shared<std::string>();
  cmd->add_option("DATA", *path, "A MedMNIST .npz, a .npy stack or an IDX folder")
      ->required();
  cmd->callback([path] {
    Dataset dataset;
    check(kcell_dataset_open(path->c_str(), nullptr, dataset.out()), "");
    print_dataset_summary(dataset.get(), *path);
  });
}

}  // namespace kcell_cli
