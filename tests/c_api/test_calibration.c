/* Calibration from C99: temperature scaling divides the logits, conformal sets are the
 * classes with 1 - p <= quantile and cover at least 1 - alpha of the split they were
 * calibrated on, calibration metrics fill only the fields the caller's struct has, and
 * misuse gets a status. */
#include <kcell/kcell.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "synthetic.h"

#define SIDE 6
#define CLASSES 3
#define N_VAL 30

static const char* SPEC = "conv(4,3) relu flatten dense";

int main(void) {
  kcell_dataset* data = synthetic_dataset(SIDE, CLASSES, 60, N_VAL);
  kcell_model* model = NULL;
  kcell_model* ensemble = NULL;
  uint8_t images[N_VAL * SIDE * SIDE];
  int32_t labels[N_VAL];
  float p1[N_VAL * CLASSES], p2[N_VAL * CLASSES];
  uint8_t sets[N_VAL * CLASSES], flags[N_VAL * CLASSES];
  double temperature = 0.0, alpha = 1.0, quantile = 0.0;
  kcell_calibration_fit fit;
  kcell_calibration cal;
  kcell_metrics metrics;
  size_t i;
  int c, covered = 0;
  CHECK(data != NULL);
  fill_synthetic(images, labels, N_VAL, SIDE * SIDE, CLASSES, 2u); /* the validation split */
  CHECK(kcell_model_create(SPEC, 1, SIDE, SIDE, CLASSES, 9u, &model) == KCELL_OK);

  /* A new model: temperature 1, no sets. */
  CHECK(kcell_model_temperature(model, &temperature) == KCELL_OK && temperature == 1.0);
  CHECK(kcell_model_conformal(model, &alpha, &quantile) == KCELL_OK && alpha == 0.0);
  CHECK(isnan(quantile));
  CHECK(kcell_predict(model, images, N_VAL, KCELL_LAYOUT_NCHW, p1, N_VAL * CLASSES) == KCELL_OK);
  CHECK(kcell_prediction_sets(model, p1, N_VAL, sets, sizeof sets) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(kcell_last_error(), "conformal") != NULL);

  /* T = 2 halves every logit: log-probability differences halve. */
  CHECK(kcell_model_set_temperature(model, 2.0) == KCELL_OK);
  CHECK(kcell_predict(model, images, N_VAL, KCELL_LAYOUT_NCHW, p2, N_VAL * CLASSES) == KCELL_OK);
  for (i = 0; i < N_VAL; ++i)
    for (c = 1; c < CLASSES; ++c) {
      const double before = log(p1[i * CLASSES + c]) - log(p1[i * CLASSES]);
      const double after = log(p2[i * CLASSES + c]) - log(p2[i * CLASSES]);
      CHECK(fabs(after - before / 2) < 1e-4);
    }
  CHECK(kcell_model_set_temperature(model, 0.0) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_set_temperature(model, NAN) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_set_temperature(model, 101.0) == KCELL_ERROR_INVALID_ARGUMENT);

  /* Calibration: misuse first, then a fit with sets at alpha 0.1. */
  fit.struct_size = sizeof fit;
  CHECK(kcell_model_calibrate(model, data, KCELL_SPLIT_VAL, 1.0, &fit) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_calibrate(model, data, KCELL_SPLIT_VAL, -0.1, &fit) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_calibrate(model, NULL, KCELL_SPLIT_VAL, 0.1, &fit) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_model_calibrate(model, data, KCELL_SPLIT_TEST, 0.1, &fit) ==
        KCELL_ERROR_INVALID_ARGUMENT); /* absent */
  CHECK(kcell_model_temperature(model, &temperature) == KCELL_OK && temperature == 2.0);
  CHECK(kcell_model_calibrate(model, data, KCELL_SPLIT_VAL, 0.1, &fit) == KCELL_OK);
  CHECK(fit.count == N_VAL && fit.temperature_before == 2.0);
  CHECK(fit.temperature >= 0.01 && fit.temperature <= 100.0);
  CHECK(fit.nll <= fit.nll_before + 1e-6);
  CHECK(kcell_model_temperature(model, &temperature) == KCELL_OK && temperature == fit.temperature);
  CHECK(kcell_model_conformal(model, &alpha, &quantile) == KCELL_OK && alpha == 0.1);
  CHECK(quantile == fit.conformal_quantile);

  /* Sets: the classes with 1 - p <= quantile; on the calibration split they cover at least
   * 1 - alpha (the quantile's rank is at least (n + 1)(1 - alpha)). */
  CHECK(kcell_predict(model, images, N_VAL, KCELL_LAYOUT_NCHW, p1, N_VAL * CLASSES) == KCELL_OK);
  CHECK(kcell_prediction_sets(model, p1, N_VAL, sets, sizeof sets - 1) ==
        KCELL_ERROR_BUFFER_TOO_SMALL);
  CHECK(kcell_prediction_sets(model, p1, N_VAL, sets, sizeof sets) == KCELL_OK);
  for (i = 0; i < N_VAL * CLASSES; ++i) flags[i] = 1.0 - (double)p1[i] <= quantile;
  CHECK(memcmp(flags, sets, sizeof sets) == 0);
  for (i = 0; i < N_VAL; ++i) covered += sets[i * CLASSES + (size_t)labels[i]];
  CHECK(covered >= 0.9 * N_VAL);
  cal.struct_size = sizeof cal;
  CHECK(kcell_evaluate_calibration(model, data, KCELL_SPLIT_VAL, &cal, NULL, 0) == KCELL_OK);
  CHECK(cal.count == N_VAL && cal.conformal_alpha == 0.1 && cal.temperature == temperature);
  /* evaluation and prediction may round an image at the quantile differently */
  CHECK(fabs(cal.conformal_coverage - (double)covered / N_VAL) <= 1.0 / N_VAL + 1e-12);

  /* One pass gives what kcell_evaluate_details and kcell_evaluate_calibration give apart. */
  {
    kcell_metrics apart, together;
    kcell_class_metrics classes_apart[CLASSES], classes_together[CLASSES];
    uint64_t confusion_apart[CLASSES * CLASSES], confusion_together[CLASSES * CLASSES];
    kcell_calibration cal_together;
    double coverage_apart[CLASSES], coverage_together[CLASSES];
    apart.struct_size = together.struct_size = sizeof apart;
    cal_together.struct_size = sizeof cal_together;
    CHECK(kcell_evaluate_details(model, data, KCELL_SPLIT_VAL, &apart, classes_apart, CLASSES,
                                 confusion_apart, CLASSES * CLASSES) == KCELL_OK);
    CHECK(kcell_evaluate_calibration(model, data, KCELL_SPLIT_VAL, &cal, coverage_apart, CLASSES) ==
          KCELL_OK);
    CHECK(kcell_evaluate_full(model, data, KCELL_SPLIT_VAL, &together, classes_together, CLASSES,
                              confusion_together, CLASSES * CLASSES, &cal_together,
                              coverage_together, CLASSES) == KCELL_OK);
    CHECK(memcmp(&apart, &together, sizeof apart) == 0);
    CHECK(memcmp(classes_apart, classes_together, sizeof classes_apart) == 0);
    CHECK(memcmp(confusion_apart, confusion_together, sizeof confusion_apart) == 0);
    CHECK(memcmp(&cal, &cal_together, sizeof cal) == 0);
    CHECK(memcmp(coverage_apart, coverage_together, sizeof coverage_apart) == 0);
    CHECK(cal_together.conformal_alpha == 0.1 && together.count == N_VAL);
    /* Every output but the metrics is optional. */
    CHECK(kcell_evaluate_full(model, data, KCELL_SPLIT_VAL, &together, NULL, 0, NULL, 0, NULL, NULL,
                              0) == KCELL_OK);
    CHECK(memcmp(&apart, &together, sizeof apart) == 0);
  }

  /* A caller that knows fewer fields gets only those. */
  memset(&cal, 0x7f, sizeof cal);
  cal.struct_size = offsetof(kcell_calibration, aurc);
  CHECK(kcell_evaluate_calibration(model, data, KCELL_SPLIT_VAL, &cal, NULL, 0) == KCELL_OK);
  CHECK(cal.count == N_VAL && cal.brier >= 0.0 && cal.brier <= 2.0);
  CHECK(cal.bins[0].count == 0x7f7f7f7f7f7f7f7fLL);
  memset(&metrics, 0x7f, sizeof metrics);
  metrics.struct_size = offsetof(kcell_metrics, ece);
  CHECK(kcell_evaluate(model, data, KCELL_SPLIT_VAL, &metrics) == KCELL_OK);
  CHECK(metrics.count == N_VAL && !(metrics.ece >= 0.0 && metrics.ece <= 1.0));
  metrics.struct_size = sizeof metrics;
  CHECK(kcell_evaluate(model, data, KCELL_SPLIT_VAL, &metrics) == KCELL_OK);
  CHECK(metrics.ece >= 0.0 && metrics.ece <= 1.0 && fabs(metrics.ece - cal.ece) < 1e-12);
  CHECK(kcell_calibration_metrics(p1, labels, N_VAL, CLASSES, NULL) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  cal.struct_size = 0;
  CHECK(kcell_calibration_metrics(p1, labels, N_VAL, CLASSES, &cal) ==
        KCELL_ERROR_INVALID_ARGUMENT);
  cal.struct_size = sizeof cal;
  CHECK(kcell_calibration_metrics(p1, labels, N_VAL, 1, &cal) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_calibration_metrics(p1, labels, 0, CLASSES, &cal) == KCELL_ERROR_INVALID_ARGUMENT);
  CHECK(kcell_calibration_metrics(p1, labels, N_VAL, CLASSES, &cal) == KCELL_OK);
  CHECK(fabs(cal.ece - metrics.ece) < 1e-12 && isnan(cal.conformal_alpha));

  /* Ensembles: each member's temperature applies; they cannot be calibrated, have no sets. */
  CHECK(kcell_model_ensemble_create((const kcell_model* const*)&model, 1, &ensemble) == KCELL_OK);
  {
    const kcell_model* pair[2];
    kcell_model* two = NULL;
    pair[0] = model;
    pair[1] = ensemble;
    CHECK(kcell_model_ensemble_create(pair, 2, &two) == KCELL_OK);
    CHECK(kcell_model_calibrate(two, data, KCELL_SPLIT_VAL, 0.1, NULL) ==
          KCELL_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(kcell_last_error(), "ensemble") != NULL);
    CHECK(kcell_prediction_sets(two, p1, N_VAL, sets, sizeof sets) == KCELL_ERROR_INVALID_ARGUMENT);
    CHECK(kcell_predict(two, images, N_VAL, KCELL_LAYOUT_NCHW, p2, N_VAL * CLASSES) == KCELL_OK);
    for (i = 0; i < N_VAL * CLASSES; ++i) CHECK(fabs(p2[i] - p1[i]) < 1e-6);
    kcell_model_free(two);
  }

  /* No alpha: the sets go, the temperature stays fitted. */
  CHECK(kcell_model_calibrate(model, data, KCELL_SPLIT_VAL, 0.0, &fit) == KCELL_OK);
  CHECK(isnan(fit.conformal_quantile));
  CHECK(kcell_model_conformal(model, &alpha, &quantile) == KCELL_OK && alpha == 0.0);

  kcell_model_free(ensemble);
  kcell_model_free(model);
  kcell_dataset_free(data);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
