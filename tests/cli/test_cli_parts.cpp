// Unit tests of the kcell program's parts that have rules of their own: grey conversion,
// axis ticks, colours, the sweep grid, sqrt class weights, ranking, table formats and the
// precision options.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <CLI/CLI.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "class_names.hpp"
#include "inference_precision.hpp"
#include "pixels.hpp"
#include "svg.hpp"
#include "sweep_grid.hpp"
#include "sweep_table.hpp"
#include "train_options.hpp"
#include "training_run.hpp"
#include "tune_plan.hpp"

using namespace kcell_cli;

TEST_CASE("luma rounds as Pillow's convert to L does") {
  // Values from Pillow 9.4: Image.new("RGB", (1, 1), c).convert("L").getpixel((0, 0)).
  CHECK(luma(255, 255, 255) == 255);
  CHECK(luma(0, 0, 0) == 0);
  CHECK(luma(255, 0, 0) == 76);
  CHECK(luma(0, 255, 0) == 150);
  CHECK(luma(0, 0, 255) == 29);
  CHECK(luma(10, 200, 30) == 124);
  for (int v = 0; v < 256; ++v) {
    const auto g = static_cast<uint8_t>(v);
    CHECK(luma(g, g, g) == g);
  }
}

TEST_CASE("channel conversion copies grey into RGB and takes luma of RGB") {
  const std::vector<uint8_t> rgb = {255, 0, /*G*/ 0, 255, /*B*/ 0, 0};
  std::vector<uint8_t> grey(2);
  convert_channels(rgb.data(), 3, grey.data(), 1, 2);
  CHECK(grey == std::vector<uint8_t>{76, 150});
  std::vector<uint8_t> back(6);
  convert_channels(grey.data(), 1, back.data(), 3, 2);
  CHECK(back == std::vector<uint8_t>{76, 150, 76, 150, 76, 150});
}

TEST_CASE("nice ticks cover the data at round steps") {
  const svg::Ticks t = svg::nice_ticks(0.53, 0.97, 6);
  REQUIRE(t.values.size() >= 3);
  CHECK(t.values.front() <= 0.53);
  CHECK(t.values.back() >= 0.97);
  CHECK(t.values.front() == doctest::Approx(0.5));
  CHECK(t.values.back() == doctest::Approx(1.0));
  CHECK(t.decimals == 1);
  const svg::Ticks flat = svg::nice_ticks(2.0, 2.0, 6);  // one value still gets an axis
  CHECK(flat.values.front() < 2.0);
  CHECK(flat.values.back() > 2.0);
  const svg::Ticks bad = svg::nice_ticks(NAN, NAN, 6);
  CHECK(bad.values.size() >= 2);
}

TEST_CASE("epoch ticks are whole epochs from 1") {
  CHECK(svg::epoch_ticks(1, 10).values == std::vector<double>{1});
  CHECK(svg::epoch_ticks(5, 10).values == std::vector<double>{1, 2, 3, 4, 5});
  const auto many = svg::epoch_ticks(100, 10).values;
  CHECK(many.front() == 1);
  CHECK(many.size() <= 12);
}

TEST_CASE("heat colours run from near white to dark blue") {
  CHECK(svg::heat_color(0) == "#f7fbff");
  CHECK(svg::heat_color(1) == "#08306b");
  CHECK(svg::heat_color(-3) == "#f7fbff");
  CHECK(svg::heat_color(NAN) == "#f7fbff");
  CHECK_FALSE(svg::heat_needs_light_text(0.2));
  CHECK(svg::heat_needs_light_text(0.9));
}

TEST_CASE("escape and shorten keep SVG text valid") {
  CHECK(svg::escape("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;");
  CHECK(svg::shorten("short", 10) == "short");
  CHECK(svg::shorten("Collecting Duct, Connecting Tubule", 10) ==
        "Collectin…");                          // 10 characters with the ellipsis
  CHECK(svg::shorten("ÄÖÜäöüß", 4) == "ÄÖÜ…");  // never cuts inside a character
  CHECK(svg::coord(12.50) == "12.5");
  CHECK(svg::coord(-0.001) == "0");
}

TEST_CASE("a grid splits entries at spaces and values at commas outside parentheses") {
  const auto axes =
      parse_grid({"lr=1e-3,3e-4 model=reference,conv(8,3) bn relu flatten dense", "augment=none"});
  REQUIRE(axes.size() == 3);
  CHECK(axes[0].key == "lr");
  CHECK(axes[0].values == std::vector<std::string>{"1e-3", "3e-4"});
  CHECK(axes[1].values == std::vector<std::string>{"reference", "conv(8,3) bn relu flatten dense"});
  CHECK(axes[2].values == std::vector<std::string>{"none"});
  const auto combinations = grid_combinations(axes);
  REQUIRE(combinations.size() == 4);
  CHECK(describe_combination(combinations[1]) ==
        "lr=1e-3 model=conv(8,3) bn relu flatten dense augment=none");
}

TEST_CASE("a grid rejects unknown keys repeated keys and bad values") {
  CHECK_THROWS_AS(parse_grid({"foo=1"}), CLI::ValidationError);
  CHECK_THROWS_AS(parse_grid({"data=x.npz"}), CLI::ValidationError);
  CHECK_THROWS_AS(parse_grid({"lr=1 lr=2"}), CLI::ValidationError);
  CHECK_THROWS_AS(parse_grid({"lr=1,"}), CLI::ValidationError);
  CHECK_THROWS_AS(parse_grid({"   "}), CLI::ValidationError);
  CHECK_THROWS_AS(parse_grid({"1e-3"}), CLI::ValidationError);
  const TrainOptions base;
  CHECK_THROWS_AS(apply_combination(base, {{"lr", "fast"}}), CLI::ValidationError);
  CHECK_THROWS_AS(apply_combination(base, {{"augment", "sideways"}}), CLI::ValidationError);
}

TEST_CASE("a combination overrides only its keys") {
  TrainOptions base;
  base.epochs = 3;
  const TrainOptions o = apply_combination(
      base, {{"lr", "3e-4"}, {"weight-decay", "0"}, {"balanced", "true"}, {"model", "lenet5"}});
  CHECK(o.lr == doctest::Approx(3e-4));
  CHECK(o.weight_decay == 0);
  CHECK(o.balanced);
  CHECK(o.model == "lenet5");
  CHECK(o.epochs == 3);
  CHECK(o.augment == base.augment);
}

TEST_CASE("ema mixup and cutmix are grid keys and reach the train parameters") {
  const std::vector<GridAxis> axes = parse_grid({"ema=auto,off,0.999 mixup=0,0.2 cutmix=1"});
  REQUIRE(axes.size() == 3);
  const TrainOptions o =
      apply_combination(TrainOptions{}, {{"ema", "0.999"}, {"mixup", "0.2"}, {"cutmix", "1"}});
  TrainParamStorage storage;
  const kcell_train_params p = make_train_params(o, storage);
  CHECK(p.ema_decay == 0.999);
  CHECK(p.mixup_alpha == 0.2);
  CHECK(p.cutmix_alpha == 1.0);
  CHECK(parse_ema("auto") < 0);
  CHECK(parse_ema("off") == 0);
  CHECK_THROWS_AS(apply_combination(TrainOptions{}, {{"ema", "1"}}), CLI::ValidationError);
  CHECK_THROWS_AS(apply_combination(TrainOptions{}, {{"ema", "0.9x"}}), CLI::ValidationError);
  CHECK_THROWS_AS(apply_combination(TrainOptions{}, {{"mixup", "-1"}}), CLI::ValidationError);
}

TEST_CASE("a precision grid key sets the training arithmetic and refuses int8") {
  const TrainOptions o = apply_combination(TrainOptions{}, {{"precision", "bf16"}});
  CHECK(o.precision == "bf16");
  TrainParamStorage storage;
  CHECK(make_train_params(o, storage).precision == KCELL_PRECISION_BF16);
  CHECK(parse_grid({"precision=fp32,bf16"}).at(0).values.size() == 2);
  CHECK_THROWS_AS(apply_combination(TrainOptions{}, {{"precision", "int8"}}), CLI::ValidationError);
  CHECK_THROWS_AS(apply_combination(TrainOptions{}, {{"precision", "fp16"}}), CLI::ValidationError);
}

TEST_CASE("int8 inference needs a calibration set and --calibrate needs int8") {
  InferencePrecisionOptions o;
  CHECK_NOTHROW(check_inference_precision(o, false));
  o.precision = "int8";
  CHECK_THROWS_AS(check_inference_precision(o, false), CLI::ValidationError);
  CHECK_NOTHROW(check_inference_precision(o, true));
  o.calibrate = "cells.npz";
  CHECK_NOTHROW(check_inference_precision(o, false));
  o.precision = "bf16";
  CHECK_THROWS_AS(check_inference_precision(o, true), CLI::ValidationError);
}

TEST_CASE("the class-weight names become the library's automatic weightings") {
  TrainOptions o;
  o.class_weights = "sqrt";
  TrainParamStorage storage;
  CHECK(make_train_params(o, storage).auto_class_weights == KCELL_CLASS_WEIGHTS_SQRT);
  o.class_weights = "auto";
  CHECK(make_train_params(o, storage).auto_class_weights == KCELL_CLASS_WEIGHTS_INVERSE);
  o.class_weights = "none";
  CHECK(make_train_params(o, storage).auto_class_weights == KCELL_CLASS_WEIGHTS_NONE);
  CHECK(make_train_params(o, storage).class_weights == nullptr);
}

TEST_CASE("the program's defaults are the library's recipe, field by field") {
  kcell_train_params lib;
  kcell_train_params_default(&lib);
  TrainParamStorage storage;
  const kcell_train_params p = make_train_params(TrainOptions{}, storage);
  CHECK(p.epochs == lib.epochs);
  CHECK(p.epochs == 0);  // automatic length
  CHECK(p.batch_size == lib.batch_size);
  CHECK(p.optimizer == lib.optimizer);
  CHECK(p.learning_rate == lib.learning_rate);
  CHECK(p.weight_decay == lib.weight_decay);
  CHECK(p.schedule == lib.schedule);
  CHECK(p.warmup_epochs == lib.warmup_epochs);
  CHECK(p.label_smoothing == lib.label_smoothing);
  CHECK(p.seed == lib.seed);
  CHECK(p.monitor == lib.monitor);
  CHECK(p.patience == lib.patience);
  CHECK(p.auto_class_weights == lib.auto_class_weights);
  CHECK(p.balanced_sampler == lib.balanced_sampler);
  CHECK(p.validate_every == lib.validate_every);
  CHECK(p.fit_decision_bias == lib.fit_decision_bias);
  CHECK(p.precision == lib.precision);
  CHECK(p.ema_decay == lib.ema_decay);
  CHECK(p.mixup_alpha == lib.mixup_alpha);
  CHECK(p.cutmix_alpha == lib.cutmix_alpha);
  REQUIRE(p.augmentation != nullptr);
  REQUIRE(lib.augmentation != nullptr);
  CHECK(p.augmentation->hflip == lib.augmentation->hflip);
  CHECK(p.augmentation->vflip == lib.augmentation->vflip);
  CHECK(p.augmentation->rot90 == lib.augmentation->rot90);
  CHECK(p.augmentation->rotate == lib.augmentation->rotate);
  CHECK(p.augmentation->shift == lib.augmentation->shift);
  CHECK(p.augmentation->brightness == lib.augmentation->brightness);
  CHECK(p.augmentation->contrast == lib.augmentation->contrast);
  CHECK(p.augmentation->rotate_degrees == lib.augmentation->rotate_degrees);
  CHECK(p.augmentation->erase == lib.augmentation->erase);
  CHECK(p.augmentation->erase_max_area == lib.augmentation->erase_max_area);
  TrainOptions sgd;
  sgd.optimizer = "sgd";
  CHECK(effective_learning_rate(sgd) == doctest::Approx(0.1));
  CHECK(effective_weight_decay(sgd) == doctest::Approx(5e-4));
}

TEST_CASE("a finished run's console line shows the validation loss only when asked") {
  SweepRow row;
  row.kept_epoch = 7, row.epochs_run = 10, row.val_accuracy = 0.9, row.val_balanced_accuracy = 0.85;
  row.val_auc = 0.95, row.val_loss = 0.25, row.train_val_gap = -0.01, row.seconds = 90;
  CHECK(kept_epoch_line(row, false) ==
        "  kept epoch 7/10: val accuracy 0.9000  balanced accuracy 0.8500  AUC 0.9500  "
        "gap -0.0100  (1.5 min)\n");
  CHECK(kept_epoch_line(row, true) ==
        "  kept epoch 7/10: val accuracy 0.9000  balanced accuracy 0.8500  AUC 0.9500  "
        "loss 0.2500  gap -0.0100  (1.5 min)\n");
}

TEST_CASE("sweep rows rank best first with NaN last") {
  std::vector<SweepRow> rows(3);
  rows[0].val_balanced_accuracy = 0.5, rows[0].val_loss = 0.9;
  rows[1].val_balanced_accuracy = NAN, rows[1].val_loss = NAN;
  rows[2].val_balanced_accuracy = 0.7, rows[2].val_loss = 1.2;
  for (size_t i = 0; i < rows.size(); ++i) rows[i].combination = {{"lr", std::to_string(i)}};
  rank_rows(rows, "val_balanced_accuracy");
  CHECK(rows[0].combination[0].second == "2");
  CHECK(rows[2].combination[0].second == "1");
  rank_rows(rows, "val_loss");
  CHECK(rows[0].combination[0].second == "0");
  CHECK(rows[2].combination[0].second == "1");
}

TEST_CASE("sweep tables quote CSV fields and pick the format by extension") {
  std::vector<SweepRow> rows(1);
  rows[0].combination = {{"model", "conv(8,3) bn relu flatten dense"}};
  const std::string csv = sweep_table_for("t.csv", rows, "val_accuracy");
  CHECK(csv.find("\"conv(8,3) bn relu flatten dense\"") != std::string::npos);
  CHECK(sweep_table_for("t.md", rows, "val_accuracy").rfind("| rank | model", 0) == 0);
  CHECK(sweep_table_for("t.json", rows, "val_accuracy").find("\"ranked_by\"") != std::string::npos);
  CHECK_THROWS_AS(check_sweep_output_name("t.txt"), CLI::ValidationError);
  CHECK_THROWS_AS(check_sweep_output_name("dir.csv/table"), CLI::ValidationError);
}

TEST_CASE("class names are printed with control characters escaped") {
  CHECK(kcell_cli::escape_controls("a\tb\nc\x1b[31m") == "a\\x09b\\x0ac\\x1b[31m");
  CHECK(kcell_cli::escape_controls("Leukocytes") == "Leukocytes");
}

TEST_CASE("a sweep grid of more than the limit of runs fails before building any") {
  const std::vector<kcell_cli::GridAxis> axes =
      kcell_cli::parse_grid({"lr=1,2,3,4,5,6,7,8,9,10", "seed=1,2,3,4,5,6,7,8,9,10",
                             "epochs=1,2,3,4,5,6,7,8,9,10", "batch=1,2"});
  CHECK_THROWS_AS(kcell_cli::grid_combinations(axes), CLI::ValidationError);
  CHECK(kcell_cli::grid_combinations(kcell_cli::parse_grid({"lr=1,2", "seed=1,2"})).size() == 4);
}

TEST_CASE("tune rungs keep a third with three times the epochs, the last at full length") {
  using kcell_cli::Rung;
  const auto rungs = kcell_cli::halving_rungs(16, 2, 65, 3, 3);
  REQUIRE(rungs.size() == 3);
  CHECK((rungs[0].epochs == 2 && rungs[0].candidates == 16));
  CHECK((rungs[1].epochs == 6 && rungs[1].candidates == 6));
  CHECK((rungs[2].epochs == 65 && rungs[2].candidates == 3));
  // The epochs reach the most first: that rung is the last.
  const auto short_run = kcell_cli::halving_rungs(16, 2, 4, 3, 1);
  REQUIRE(short_run.size() == 2);
  CHECK((short_run[1].epochs == 4 && short_run[1].candidates == 6));
  // No more candidates than the ensemble: one rung, at full length.
  const auto one = kcell_cli::halving_rungs(2, 2, 10, 3, 3);
  REQUIRE(one.size() == 1);
  CHECK((one[0].epochs == 10 && one[0].candidates == 2));
}

TEST_CASE("the default recipe goes on to every tune rung, whatever its rank") {
  int a = 0, b = 0, c = 0, base = 0;
  const std::vector<int*> ranked = {&a, &b, &base, &c};
  // Ranked below the cut: it goes on beside the best `keep`.
  CHECK(kcell_cli::next_rung<int>(ranked, 2, &base) == std::vector<int*>{&a, &b, &base});
  CHECK(kcell_cli::next_rung<int>(ranked, 1, &base) == std::vector<int*>{&a, &base});
  // Within the cut, or not run at all: the plain best `keep`.
  CHECK(kcell_cli::next_rung<int>(ranked, 3, &base) == std::vector<int*>{&a, &b, &base});
  CHECK(kcell_cli::next_rung<int>({&a, &b, &c}, 2, &base) == std::vector<int*>{&a, &b});
  CHECK(kcell_cli::next_rung<int>(ranked, 0, &base).empty());
}

TEST_CASE(
    "model auto trains the CPU's small-set network below 20,000 images, resnet10 from there") {
  kcell_cli::DatasetInfo info;
  info.counts[KCELL_SPLIT_TRAIN] = 3882;
  info.counts[KCELL_SPLIT_VAL] = 100000;  // only the training split counts
  // resnet8, or resnet8-slim where training runs at a quarter of the AVX-512 BF16 rate.
  const std::string small = kcell_cli::chosen_architecture("auto", info);
  CHECK(small == kcell_recommended_architecture());
  CHECK((small == "resnet8" || small == "resnet8-slim"));
  info.counts[KCELL_SPLIT_TRAIN] = 55000;
  CHECK(kcell_cli::chosen_architecture("auto", info) == "resnet10");
  CHECK(kcell_cli::chosen_architecture("reference", info) == "reference");
  CHECK(kcell_cli::TrainOptions{}.model == "auto");
}
