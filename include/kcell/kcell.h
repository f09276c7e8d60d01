/**
 * @file kcell.h
 * @brief kcell: train and run CNN classifiers for small biomedical images on CPUs.
 *
 * This is the whole public interface of kcell, a C ABI over a C++17 core that runs on
 * oneDNN. It compiles as C99 and as C++.
 *
 * Conventions (see docs/api-rules.md):
 * - Every fallible function returns a ::kcell_status; ::KCELL_OK is 0. Results go to
 *   out-parameters, which are left untouched on failure unless stated otherwise.
 * - After a failure, kcell_last_error() returns a message for the last failure on the
 *   calling thread.
 * - Handles are opaque. Every `*_free` function accepts NULL and does nothing.
 * - Ownership: the library copies whatever it keeps from caller memory; outputs are
 *   written into caller buffers whose capacity is passed in. Strings returned as
 *   `const char *` belong to the library and stay valid as documented on each function.
 * - Parameter structs that will grow start with `struct_size`; fill them with their
 *   `*_default` function first.
 * - Threads: a ::kcell_dataset is read-only after it is opened and may be shared by any
 *   number of threads. See each handle for its own rule.
 */
#ifndef KCELL_KCELL_H
#define KCELL_KCELL_H

#include <stddef.h>
#include <stdint.h>

#if defined(KCELL_STATIC_DEFINE)
#define KCELL_API
#elif defined(_WIN32)
#if defined(KCELL_BUILDING)
#define KCELL_API __declspec(dllexport)
#else
#define KCELL_API __declspec(dllimport)
#endif
#else
/** Marks a function exported from the kcell library. */
#define KCELL_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** @name Version
 * Semantic version of this header. A library with the same major version and an equal or
 * newer minor version is ABI-compatible with programs built against this header.
 * @{ */
#define KCELL_VERSION_MAJOR 0 /**< Incompatible API or ABI changes. */
#define KCELL_VERSION_MINOR 1 /**< Compatible additions. */
#define KCELL_VERSION_PATCH 0 /**< Fixes only. */
/** The version as one number: major * 10000 + minor * 100 + patch. */
#define KCELL_VERSION_NUMBER \
  (KCELL_VERSION_MAJOR * 10000 + KCELL_VERSION_MINOR * 100 + KCELL_VERSION_PATCH)
/** @} */

/**
 * @brief The version of the linked library, as "MAJOR.MINOR.PATCH".
 * @return A static string; never NULL.
 */
KCELL_API const char *kcell_version(void);

/**
 * @brief The version of the linked library as KCELL_VERSION_NUMBER computes it.
 *
 * Compare with KCELL_VERSION_NUMBER to detect a header / library mismatch.
 */
KCELL_API int kcell_version_number(void);

/* ------------------------------------------------------------------------------------ */
/** @name Status and errors
 * @{ */

/**
 * @brief Result of every fallible kcell call.
 *
 * The numbers are part of the ABI: they never change and are never reused.
 */
typedef enum kcell_status {
  KCELL_OK = 0,                     /**< Success. */
  KCELL_ERROR_INVALID_ARGUMENT = 1, /**< A NULL pointer, an out-of-range value, a bad handle. */
  KCELL_ERROR_IO = 2,               /**< A file could not be opened, read or written. */
  KCELL_ERROR_FORMAT = 3,           /**< A file or buffer is malformed or unsupported. */
  KCELL_ERROR_OUT_OF_MEMORY = 4,    /**< An allocation failed. */
  KCELL_ERROR_LIMIT = 5,            /**< A declared size exceeds a limit (raise it to allow). */
  KCELL_ERROR_BUFFER_TOO_SMALL = 6, /**< A caller buffer's capacity is too small. */
  KCELL_ERROR_UNSUPPORTED = 7,      /**< Valid but not supported (e.g. CPU lacks a feature). */
  KCELL_ERROR_CANCELLED = 8,        /**< The progress callback asked to stop. */
  KCELL_ERROR_NOT_FINITE = 9,       /**< Training produced NaN or infinity. */
  KCELL_ERROR_SPEC = 10,            /**< An architecture spec could not be parsed. */
  KCELL_ERROR_INTERNAL = 11         /**< A bug in kcell or its dependencies. */
} kcell_status;

/**
 * @brief A short static description of a status, e.g. "format error".
 * @return Never NULL; "unknown status" for numbers this version does not know.
 */
KCELL_API const char *kcell_status_string(kcell_status status);

/**
 * @brief The message of the last failed kcell call on the calling thread.
 *
 * The message names what went wrong, e.g. the archive member and the problem.
 * @return A string owned by the library, valid until the next kcell call on this thread;
 *         "" if no call has failed on this thread yet. Never NULL.
 */
KCELL_API const char *kcell_last_error(void);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Threads
 * @{ */

/**
 * @brief Sets how many threads kcell's compute uses for calls made by the calling thread.
 *
 * @param threads 1 or more; 0 restores the default (all cores of the machine).
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for a negative count.
 */
KCELL_API kcell_status kcell_set_num_threads(int threads);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Datasets
 * A dataset holds up to three splits (train, validation, test) of uint8 images of one
 * shape, kept in memory as N×C×H×W bytes, with int32 labels. It is immutable once made
 * and may be read by many threads at once.
 * @{ */

/** An opened dataset. Immutable; safe to share between threads. */
typedef struct kcell_dataset kcell_dataset;

/** Which part of a dataset. */
typedef enum kcell_split {
  KCELL_SPLIT_TRAIN = 0, /**< The training images. */
  KCELL_SPLIT_VAL = 1,   /**< The validation images. */
  KCELL_SPLIT_TEST = 2   /**< The test images (or the images of a single `.npy` stack). */
} kcell_split;

/** Options for kcell_dataset_open(). Fill with kcell_open_options_default() first. */
typedef struct kcell_open_options {
  size_t struct_size;    /**< sizeof(kcell_open_options), set by the default function. */
  int32_t num_classes;   /**< Class count; 0 infers it as the largest label + 1. */
  double val_fraction;   /**< IDX folders: fraction of train kept as validation (1/12). */
  uint64_t max_bytes;    /**< Largest array a file may declare, in bytes (8 GiB). */
} kcell_open_options;

/**
 * @brief Fills @p options with the defaults: infer the class count, a validation fraction
 *        of 1/12 for IDX folders, and arrays of at most 8 GiB.
 */
KCELL_API kcell_status kcell_open_options_default(kcell_open_options *options);

/**
 * @brief Opens a dataset file or folder; the format is detected from the content.
 *
 * Accepted: a MedMNIST `.npz` (members `train_images`, `train_labels`, `val_images`,
 * `val_labels`, `test_images`, `test_labels`); a folder of MNIST-style IDX files
 * (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-...`, each optionally
 * `.gz`), whose validation split is carved from the end of train; a single `.npy` array of
 * uint8 images (N,H,W) or (N,H,W,C), which becomes an unlabelled test split (labels -1).
 *
 * @param path     File or folder; not NULL.
 * @param options  NULL for the defaults.
 * @param out      Receives the dataset; release with kcell_dataset_free().
 * @return ::KCELL_ERROR_IO, ::KCELL_ERROR_FORMAT (the message names the member and the
 *         problem) or ::KCELL_ERROR_LIMIT on failure.
 */
KCELL_API kcell_status kcell_dataset_open(const char *path, const kcell_open_options *options,
                                          kcell_dataset **out);

/** Images and labels of one split, for kcell_dataset_create(). */
typedef struct kcell_split_buffers {
  const uint8_t *images; /**< count × channels × height × width bytes, N×C×H×W order. */
  const int32_t *labels; /**< count labels in [0, num_classes). */
  size_t count;          /**< Number of images; 0 means the split is absent. */
} kcell_split_buffers;

/**
 * @brief Makes a dataset from caller memory, which is copied.
 *
 * @param channels,height,width Image shape (channels 1 or 3).
 * @param num_classes 0 to infer as the largest label + 1.
 * @param train,val,test Splits; NULL or a zero count means the split is absent.
 * @param out Receives the dataset; release with kcell_dataset_free().
 */
KCELL_API kcell_status kcell_dataset_create(int channels, int height, int width,
                                            int num_classes, const kcell_split_buffers *train,
                                            const kcell_split_buffers *val,
                                            const kcell_split_buffers *test,
                                            kcell_dataset **out);

/** @brief Releases a dataset. NULL is a no-op. */
KCELL_API void kcell_dataset_free(kcell_dataset *dataset);

/**
 * @brief Number of images in a split; 0 when the split is absent.
 */
KCELL_API kcell_status kcell_dataset_count(const kcell_dataset *dataset, kcell_split split,
                                           size_t *count);

/**
 * @brief The image shape shared by all splits. Any output pointer may be NULL.
 */
KCELL_API kcell_status kcell_dataset_shape(const kcell_dataset *dataset, int *channels,
                                           int *height, int *width);

/**
 * @brief Number of classes (0 for an unlabelled `.npy` stack).
 */
KCELL_API kcell_status kcell_dataset_num_classes(const kcell_dataset *dataset,
                                                 int *num_classes);

/**
 * @brief Images per class in a split.
 *
 * @param dataset  The dataset.
 * @param split    Which split.
 * @param counts   Receives num_classes counts.
 * @param capacity Number of elements @p counts can hold; ::KCELL_ERROR_BUFFER_TOO_SMALL
 *                 if fewer than the class count.
 */
KCELL_API kcell_status kcell_dataset_class_histogram(const kcell_dataset *dataset,
                                                     kcell_split split, size_t *counts,
                                                     size_t capacity);

/**
 * @brief Copies one image (C×H×W bytes) and its label.
 *
 * @param dataset  The dataset.
 * @param split    Which split.
 * @param index    Image number in the split, from 0.
 * @param pixels   Receives channels × height × width bytes; may be NULL to get the label only.
 * @param capacity Bytes @p pixels can hold.
 * @param label    Receives the label (-1 when unlabelled); may be NULL.
 */
KCELL_API kcell_status kcell_dataset_image(const kcell_dataset *dataset, kcell_split split,
                                           size_t index, uint8_t *pixels, size_t capacity,
                                           int32_t *label);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Models
 * A model is a network with its weights. Training a model is exclusive: no other call may
 * use the same model while kcell_train() runs on it. Evaluation of one model from several
 * threads at once is not supported in this version; use one model per thread.
 * @{ */

/** A network architecture with its weights and input normalisation. */
typedef struct kcell_model kcell_model;

/**
 * @brief Creates a model with freshly initialised weights.
 *
 * @param architecture A preset name (`reference`) or an architecture spec such as
 *                     `conv(32,3) bn relu maxpool(2) flatten dense` (docs/architecture.md).
 * @param channels,height,width Input image shape.
 * @param num_classes  Number of output classes (2 or more).
 * @param seed         Seed of the weight initialisation.
 * @param out          Receives the model; release with kcell_model_free().
 * @return ::KCELL_ERROR_SPEC when the spec does not parse (the message names the token).
 */
KCELL_API kcell_status kcell_model_create(const char *architecture, int channels, int height,
                                          int width, int num_classes, uint64_t seed,
                                          kcell_model **out);

/** @brief Releases a model. NULL is a no-op. */
KCELL_API void kcell_model_free(kcell_model *model);

/**
 * @brief Number of trainable parameters (weights, biases, batch-norm scales and shifts).
 */
KCELL_API kcell_status kcell_model_num_params(const kcell_model *model, size_t *count);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Training
 * @{ */

/** Optimisers. */
typedef enum kcell_optimizer {
  KCELL_OPTIMIZER_SGD = 0,   /**< SGD with optional (Nesterov) momentum. */
  KCELL_OPTIMIZER_ADAM = 1,  /**< Adam; weight decay is L2 added to the gradient. */
  KCELL_OPTIMIZER_ADAMW = 2  /**< AdamW; weight decay is decoupled from the gradient. */
} kcell_optimizer;

/** Learning-rate schedules. */
typedef enum kcell_schedule {
  KCELL_SCHEDULE_CONSTANT = 0,  /**< The same rate every step. */
  KCELL_SCHEDULE_MULTISTEP = 1, /**< ×0.1 at 50% and 75% of the epochs (MedMNIST v2). */
  KCELL_SCHEDULE_COSINE = 2     /**< Cosine decay to 0, after an optional linear warm-up. */
} kcell_schedule;

/** What the progress callback is told, after every batch. */
typedef struct kcell_progress {
  int epoch;          /**< 0-based epoch. */
  int epochs;         /**< Total epochs planned. */
  size_t batch;       /**< Batches done in this epoch (1-based). */
  size_t batches;     /**< Batches per epoch. */
  double loss;        /**< Mean training loss over this epoch so far. */
  double accuracy;    /**< Training accuracy over this epoch so far. */
  double seconds;     /**< Seconds since the epoch started. */
  int phase;          /**< 0 while training, 1 after the epoch's validation (stats final). */
  double val_loss;     /**< Phase 1: validation loss of the epoch; NaN without validation. */
  double val_accuracy; /**< Phase 1: validation accuracy; NaN without validation. */
} kcell_progress;

/**
 * @brief Progress callback: return 0 to go on, anything else to cancel training.
 *
 * Called on the thread that called kcell_train(). After a cancel, kcell_train() returns
 * ::KCELL_ERROR_CANCELLED and the model keeps the weights of the last completed batch.
 */
typedef int (*kcell_progress_fn)(const kcell_progress *progress, void *user_data);

/** Training settings. Fill with kcell_train_params_default() first. */
typedef struct kcell_train_params {
  size_t struct_size;          /**< sizeof(kcell_train_params), set by the default function. */
  int epochs;                  /**< Passes over the training split (10). */
  int batch_size;              /**< Images per step (128). */
  kcell_optimizer optimizer;   /**< ::KCELL_OPTIMIZER_ADAM. */
  double learning_rate;        /**< Peak learning rate (1e-3). */
  double momentum;             /**< SGD momentum (0.9). */
  int nesterov;                /**< SGD: non-zero for Nesterov momentum (0). */
  double beta1;                /**< Adam β1 (0.9). */
  double beta2;                /**< Adam β2 (0.999). */
  double epsilon;              /**< Adam ε (1e-8). */
  double weight_decay;         /**< L2 (SGD, Adam) or decoupled (AdamW) decay (0). */
  int decay_bias_and_norm;     /**< Non-zero to decay biases and batch-norm parameters too (0). */
  kcell_schedule schedule;     /**< ::KCELL_SCHEDULE_CONSTANT. */
  double warmup_epochs;        /**< Cosine: linear warm-up length in epochs (0). */
  const float *class_weights;  /**< NULL, or one loss weight per class (copied). */
  double label_smoothing;      /**< Label smoothing ε in [0, 1) (0). */
  uint64_t seed;               /**< Seeds shuffling and dropout (42). */
  int num_threads;             /**< Compute threads; 0 for the kcell_set_num_threads() value. */
  kcell_progress_fn progress;  /**< NULL, or called after every batch and epoch. */
  void *progress_user_data;    /**< Passed to @ref progress. */
} kcell_train_params;

/**
 * @brief Fills @p params with the defaults listed on each field.
 */
KCELL_API kcell_status kcell_train_params_default(kcell_train_params *params);

/** Statistics of one training epoch. */
typedef struct kcell_epoch_stats {
  int epoch;             /**< 0-based epoch. */
  double train_loss;     /**< Mean training loss (as seen during the epoch). */
  double train_accuracy; /**< Training accuracy (as seen during the epoch). */
  double val_loss;       /**< Validation loss; NaN without validation data. */
  double val_accuracy;   /**< Validation accuracy; NaN without validation data. */
  double learning_rate;  /**< Learning rate at the end of the epoch. */
  double seconds;        /**< Wall time of the epoch, validation included. */
} kcell_epoch_stats;

/** The per-epoch record of a kcell_train() call. Not thread-safe. */
typedef struct kcell_history kcell_history;

/** @brief Creates an empty history; release with kcell_history_free(). */
KCELL_API kcell_status kcell_history_create(kcell_history **out);

/** @brief Releases a history. NULL is a no-op. */
KCELL_API void kcell_history_free(kcell_history *history);

/** @brief Number of epochs recorded. */
KCELL_API kcell_status kcell_history_count(const kcell_history *history, size_t *count);

/**
 * @brief Copies the statistics of recorded epoch @p index (0-based).
 * @param history The history.
 * @param index   Epoch record number, from 0.
 * @param stats Its `struct_size`-free layout is fixed; fields may only be appended in a
 *              new major version.
 */
KCELL_API kcell_status kcell_history_epoch(const kcell_history *history, size_t index,
                                           kcell_epoch_stats *stats);

/**
 * @brief Trains @p model on the train split of @p train, validating on the validation
 *        split of @p val after every epoch.
 *
 * The input normalisation (per-channel mean and standard deviation) is computed from the
 * training images on the first call and kept in the model.
 *
 * @param model   The model; used exclusively for the duration of the call.
 * @param train   Dataset whose ::KCELL_SPLIT_TRAIN split is trained on.
 * @param val     Dataset whose ::KCELL_SPLIT_VAL split is evaluated after each epoch; NULL
 *                for none. May be the same handle as @p train.
 * @param params  NULL for the defaults.
 * @param history NULL, or a history that receives one record per completed epoch
 *                (appended).
 * @return ::KCELL_ERROR_CANCELLED if the callback cancelled, ::KCELL_ERROR_NOT_FINITE if
 *         the loss became NaN or infinite.
 */
KCELL_API kcell_status kcell_train(kcell_model *model, const kcell_dataset *train,
                                   const kcell_dataset *val, const kcell_train_params *params,
                                   kcell_history *history);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Evaluation
 * @{ */

/** Summary metrics of a model on one split. */
typedef struct kcell_metrics {
  size_t struct_size; /**< sizeof(kcell_metrics); set it before calling kcell_evaluate(). */
  size_t count;       /**< Images evaluated. */
  double loss;        /**< Mean softmax cross-entropy (unweighted, no smoothing). */
  double accuracy;    /**< Fraction classified correctly. */
} kcell_metrics;

/**
 * @brief Evaluates @p model on one labelled split of @p dataset.
 *
 * @param model   The model (inference only; weights are not changed).
 * @param dataset The dataset.
 * @param split   A labelled split of it.
 * @param metrics Receives the metrics; set its `struct_size` first.
 */
KCELL_API kcell_status kcell_evaluate(kcell_model *model, const kcell_dataset *dataset,
                                      kcell_split split, kcell_metrics *metrics);

/** @} */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KCELL_KCELL_H */
