/* Prints the layout of every struct in kcell.h as the C compiler sees it, for
 * test_struct_layout.py to compare with the ctypes mirrors in kcell/_structs.py:
 *   STRUCT sizeof SIZE alignof ALIGN
 *   STRUCT.FIELD OFFSET SIZE
 * plus the header's version number. Every field of every struct is listed; a field
 * appended to the header changes its struct's size, which the test catches. */
#include <kcell/kcell.h>
#include <stddef.h>
#include <stdio.h>

#define STRUCT(s)                                      \
  printf("%s sizeof %zu alignof %zu\n", #s, sizeof(s), \
         offsetof(                                     \
             struct {                                  \
               char c;                                 \
               s x;                                    \
             },                                        \
             x))
#define FIELD(s, f) printf("%s.%s %zu %zu\n", #s, #f, offsetof(s, f), sizeof(((s*)0)->f))

int main(void) {
  printf("KCELL_VERSION_NUMBER %d\n", KCELL_VERSION_NUMBER);
  printf("enum sizeof %zu\n", sizeof(kcell_status));

  STRUCT(kcell_open_options);
  FIELD(kcell_open_options, struct_size);
  FIELD(kcell_open_options, num_classes);
  FIELD(kcell_open_options, val_fraction);
  FIELD(kcell_open_options, max_bytes);
  FIELD(kcell_open_options, max_files);

  STRUCT(kcell_split_buffers);
  FIELD(kcell_split_buffers, images);
  FIELD(kcell_split_buffers, labels);
  FIELD(kcell_split_buffers, count);

  STRUCT(kcell_augmentation);
  FIELD(kcell_augmentation, struct_size);
  FIELD(kcell_augmentation, hflip);
  FIELD(kcell_augmentation, vflip);
  FIELD(kcell_augmentation, rot90);
  FIELD(kcell_augmentation, rotate);
  FIELD(kcell_augmentation, rotate_degrees);
  FIELD(kcell_augmentation, shift);
  FIELD(kcell_augmentation, brightness);
  FIELD(kcell_augmentation, contrast);
  FIELD(kcell_augmentation, erase);
  FIELD(kcell_augmentation, erase_max_area);

  STRUCT(kcell_progress);
  FIELD(kcell_progress, epoch);
  FIELD(kcell_progress, epochs);
  FIELD(kcell_progress, batch);
  FIELD(kcell_progress, batches);
  FIELD(kcell_progress, loss);
  FIELD(kcell_progress, accuracy);
  FIELD(kcell_progress, seconds);
  FIELD(kcell_progress, phase);
  FIELD(kcell_progress, val_loss);
  FIELD(kcell_progress, val_accuracy);

  STRUCT(kcell_train_params);
  FIELD(kcell_train_params, struct_size);
  FIELD(kcell_train_params, epochs);
  FIELD(kcell_train_params, batch_size);
  FIELD(kcell_train_params, optimizer);
  FIELD(kcell_train_params, learning_rate);
  FIELD(kcell_train_params, momentum);
  FIELD(kcell_train_params, nesterov);
  FIELD(kcell_train_params, beta1);
  FIELD(kcell_train_params, beta2);
  FIELD(kcell_train_params, epsilon);
  FIELD(kcell_train_params, weight_decay);
  FIELD(kcell_train_params, decay_bias_and_norm);
  FIELD(kcell_train_params, schedule);
  FIELD(kcell_train_params, warmup_epochs);
  FIELD(kcell_train_params, class_weights);
  FIELD(kcell_train_params, label_smoothing);
  FIELD(kcell_train_params, seed);
  FIELD(kcell_train_params, num_threads);
  FIELD(kcell_train_params, progress);
  FIELD(kcell_train_params, progress_user_data);
  FIELD(kcell_train_params, monitor);
  FIELD(kcell_train_params, patience);
  FIELD(kcell_train_params, min_delta);
  FIELD(kcell_train_params, auto_class_weights);
  FIELD(kcell_train_params, balanced_sampler);
  FIELD(kcell_train_params, augmentation);
  FIELD(kcell_train_params, checkpoint_path);
  FIELD(kcell_train_params, resume);
  FIELD(kcell_train_params, precision);
  FIELD(kcell_train_params, validate_every);
  FIELD(kcell_train_params, fit_decision_bias);
  FIELD(kcell_train_params, ema_decay);
  FIELD(kcell_train_params, mixup_alpha);
  FIELD(kcell_train_params, cutmix_alpha);
  FIELD(kcell_train_params, pos_weights);
  FIELD(kcell_train_params, auto_pos_weights);
  FIELD(kcell_train_params, communicator);
  FIELD(kcell_train_params, sync_batch_norm);

  STRUCT(kcell_communicator);
  FIELD(kcell_communicator, struct_size);
  FIELD(kcell_communicator, user_data);
  FIELD(kcell_communicator, rank);
  FIELD(kcell_communicator, size);
  FIELD(kcell_communicator, allreduce_sum);
  FIELD(kcell_communicator, broadcast);
  FIELD(kcell_communicator, abort);
  FIELD(kcell_communicator, allreduce_sum_start);
  FIELD(kcell_communicator, allreduce_wait);
  FIELD(kcell_communicator, progress);

  STRUCT(kcell_epoch_stats);
  FIELD(kcell_epoch_stats, struct_size);
  FIELD(kcell_epoch_stats, epoch);
  FIELD(kcell_epoch_stats, train_loss);
  FIELD(kcell_epoch_stats, train_accuracy);
  FIELD(kcell_epoch_stats, val_loss);
  FIELD(kcell_epoch_stats, val_accuracy);
  FIELD(kcell_epoch_stats, learning_rate);
  FIELD(kcell_epoch_stats, seconds);
  FIELD(kcell_epoch_stats, val_balanced_accuracy);
  FIELD(kcell_epoch_stats, val_auc);
  FIELD(kcell_epoch_stats, train_val_gap);

  STRUCT(kcell_metrics);
  FIELD(kcell_metrics, struct_size);
  FIELD(kcell_metrics, count);
  FIELD(kcell_metrics, loss);
  FIELD(kcell_metrics, accuracy);
  FIELD(kcell_metrics, balanced_accuracy);
  FIELD(kcell_metrics, auc);
  FIELD(kcell_metrics, argmax_accuracy);
  FIELD(kcell_metrics, argmax_balanced_accuracy);
  FIELD(kcell_metrics, ece);
  FIELD(kcell_metrics, classwise_ece);
  FIELD(kcell_metrics, nll);
  FIELD(kcell_metrics, brier);

  STRUCT(kcell_reliability_bin);
  FIELD(kcell_reliability_bin, count);
  FIELD(kcell_reliability_bin, confidence);
  FIELD(kcell_reliability_bin, accuracy);

  STRUCT(kcell_risk_coverage_point);
  FIELD(kcell_risk_coverage_point, coverage);
  FIELD(kcell_risk_coverage_point, accuracy);
  FIELD(kcell_risk_coverage_point, threshold);

  STRUCT(kcell_calibration);
  FIELD(kcell_calibration, struct_size);
  FIELD(kcell_calibration, count);
  FIELD(kcell_calibration, ece);
  FIELD(kcell_calibration, classwise_ece);
  FIELD(kcell_calibration, nll);
  FIELD(kcell_calibration, brier);
  FIELD(kcell_calibration, aurc);
  FIELD(kcell_calibration, bins);
  FIELD(kcell_calibration, risk_coverage);
  FIELD(kcell_calibration, temperature);
  FIELD(kcell_calibration, conformal_alpha);
  FIELD(kcell_calibration, conformal_coverage);
  FIELD(kcell_calibration, conformal_mean_set_size);
  FIELD(kcell_calibration, conformal_empty_sets);

  STRUCT(kcell_calibration_fit);
  FIELD(kcell_calibration_fit, struct_size);
  FIELD(kcell_calibration_fit, count);
  FIELD(kcell_calibration_fit, temperature_before);
  FIELD(kcell_calibration_fit, temperature);
  FIELD(kcell_calibration_fit, nll_before);
  FIELD(kcell_calibration_fit, nll);
  FIELD(kcell_calibration_fit, ece_before);
  FIELD(kcell_calibration_fit, ece);
  FIELD(kcell_calibration_fit, bias_refitted);
  FIELD(kcell_calibration_fit, conformal_quantile);

  STRUCT(kcell_explain_options);
  FIELD(kcell_explain_options, struct_size);
  FIELD(kcell_explain_options, method);
  FIELD(kcell_explain_options, layer);

  STRUCT(kcell_class_metrics);
  FIELD(kcell_class_metrics, support);
  FIELD(kcell_class_metrics, predicted);
  FIELD(kcell_class_metrics, precision);
  FIELD(kcell_class_metrics, recall);
  FIELD(kcell_class_metrics, f1);
  FIELD(kcell_class_metrics, auc);

  STRUCT(kcell_model_info);
  FIELD(kcell_model_info, struct_size);
  FIELD(kcell_model_info, channels);
  FIELD(kcell_model_info, height);
  FIELD(kcell_model_info, width);
  FIELD(kcell_model_info, num_classes);
  FIELD(kcell_model_info, num_params);
  FIELD(kcell_model_info, epochs_trained);
  FIELD(kcell_model_info, best_epoch);
  FIELD(kcell_model_info, val_loss);
  FIELD(kcell_model_info, val_accuracy);
  FIELD(kcell_model_info, task);
  return 0;
}
