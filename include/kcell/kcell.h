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

/* KCELL_VERSION_*: generated from the CMake project version into the build (and installed). */
#include <kcell/version.h>

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

/**
 * @brief The version of the linked library, as "MAJOR.MINOR.PATCH".
 * @return A static string; never NULL.
 */
KCELL_API const char* kcell_version(void);

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
  KCELL_ERROR_INTERNAL = 11,        /**< A bug in kcell or its dependencies. */
  KCELL_ERROR_BUSY = 12,            /**< The handle is in use by a call it must not overlap
                                         (a re-entrant or concurrent kcell_train()). */
  KCELL_ERROR_COMMUNICATION = 13    /**< A data-parallel run's communicator failed, or the
                                         ranks disagree (other data or settings). */
} kcell_status;

/**
 * @brief A short static description of a status, e.g. "format error".
 * @return Never NULL; "unknown status" for numbers this version does not know.
 */
KCELL_API const char* kcell_status_string(kcell_status status);

/**
 * @brief The message of the last failed kcell call on the calling thread.
 *
 * The message names what went wrong, e.g. the archive member and the problem.
 * @return A string owned by the library, valid until the next kcell call on this thread;
 *         "" if no call has failed on this thread yet. Never NULL.
 */
KCELL_API const char* kcell_last_error(void);

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

/**
 * What a dataset's labels (and a model's outputs) mean: values of kcell_dataset_task() and
 * kcell_model_task(). MedMNIST's binary and ordinal tasks are multi-class, as MedMNIST's
 * evaluator treats them.
 */
typedef enum kcell_task {
  KCELL_TASK_MULTI_CLASS = 0, /**< One class per image; softmax outputs (the default). */
  KCELL_TASK_MULTI_LABEL = 1  /**< L binary labels per image (ChestMNIST: 14); L sigmoid
                                   outputs, each the probability that its label is 1. */
} kcell_task;

/** Options for kcell_dataset_open(). Fill with kcell_open_options_default() first. */
typedef struct kcell_open_options {
  size_t struct_size;  /**< sizeof(kcell_open_options), set by the default function. */
  int32_t num_classes; /**< Class count; 0 infers it as the largest label + 1. */
  double val_fraction; /**< IDX and image folders without val/: fraction of train kept as
                            validation (1/12). */
  uint64_t max_bytes;  /**< Largest array a file may declare, in bytes (8 GiB); for an image
                            folder, the most bytes of pixels in one split. */
  uint64_t max_files;  /**< Image folders: the most entries (class folders and files) listed
                            in all (500,000); a larger folder is ::KCELL_ERROR_LIMIT. */
} kcell_open_options;

/**
 * @brief Fills the first @p struct_size bytes of @p options with the defaults: infer the
 *        class count, a validation fraction of 1/12 for IDX and image folders, arrays of at
 *        most 8 GiB, image folders of at most 500,000 entries.
 *
 * Writes no byte past @p struct_size, so a program built against an older (smaller) header
 * is safe with a newer library. C callers use kcell_open_options_default(); FFI callers pass
 * the size of the struct they defined.
 * @param options     The struct to fill.
 * @param struct_size Its size in bytes; at least sizeof(size_t).
 */
KCELL_API kcell_status kcell_open_options_init(kcell_open_options* options, size_t struct_size);

/**
 * @brief Fills @p options with the defaults (kcell_open_options_init() with this header's size).
 * @param options The struct to fill.
 */
static inline kcell_status kcell_open_options_default(kcell_open_options* options) {
  return kcell_open_options_init(options, sizeof *options);
}

/**
 * @brief Opens a dataset file or folder; the format is detected from the content.
 *
 * Accepted: a MedMNIST `.npz` (members `train_images`, `train_labels`, `val_images`,
 * `val_labels`, `test_images`, `test_labels`; a split may be absent, as in a file of test
 * images only, but a split present has both its members; labels (N,) or (N, 1)); a folder of
 * MNIST-style IDX files
 * (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-...`, each optionally
 * `.gz`), whose validation split is carved from the end of train; a single `.npy` array of
 * uint8 images (N,H,W) or (N,H,W,C), which becomes an unlabelled test split (labels -1);
 * an image folder (PNG files in `train/CLASS/`, `val/CLASS/` and `test/CLASS/`, the
 * torchvision ImageFolder layout) of grey or RGB PNGs of one size, whose classes are the
 * sorted names of train's class folders (kcell_dataset_class_name()) and whose validation
 * split, when there is no `val/`, is the last `val_fraction` of each training class's
 * files in sorted order. docs/data-formats.md has the details and the folders refused.
 *
 * @param path     File or folder; not NULL.
 * @param options  NULL for the defaults.
 * @param out      Receives the dataset; release with kcell_dataset_free().
 * @return ::KCELL_ERROR_IO, ::KCELL_ERROR_FORMAT (the message names the member and the
 *         problem) or ::KCELL_ERROR_LIMIT on failure.
 */
KCELL_API kcell_status kcell_dataset_open(const char* path, const kcell_open_options* options,
                                          kcell_dataset** out);

/** Images and labels of one split, for kcell_dataset_create(). */
typedef struct kcell_split_buffers {
  const uint8_t* images; /**< count × channels × height × width bytes, N×C×H×W order. */
  const int32_t* labels; /**< count labels in [0, num_classes). */
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
KCELL_API kcell_status kcell_dataset_create(int channels, int height, int width, int num_classes,
                                            const kcell_split_buffers* train,
                                            const kcell_split_buffers* val,
                                            const kcell_split_buffers* test, kcell_dataset** out);

/**
 * @brief Copies the name of class @p index: an image folder's class folder name, else the
 *        index in decimal ("0", "1", ...), as a model's default names are.
 *
 * kcell_train() gives a model with default class names the training dataset's names.
 * @param dataset  The dataset.
 * @param index    Class number in [0, class count).
 * @param buffer   Receives the NUL-terminated name; may be NULL when @p capacity is 0.
 * @param capacity Bytes @p buffer can hold.
 * @param needed   NULL, or receives the bytes the name needs with its NUL, also when the
 *                 call fails with ::KCELL_ERROR_BUFFER_TOO_SMALL (nothing is written then).
 */
KCELL_API kcell_status kcell_dataset_class_name(const kcell_dataset* dataset, int index,
                                                char* buffer, size_t capacity, size_t* needed);

/**
 * @brief Writes the dataset as a MedMNIST-layout `.npz` that numpy.load and
 *        kcell_dataset_open() read.
 *
 * Members `train_images.npy`, `train_labels.npy`, `val_...`, `test_...` for the splits
 * present (stored, as numpy.savez writes them): images uint8 (N, H, W) for grey and
 * (N, H, W, 3) for RGB, labels uint8 (N, 1) (int32 above 256 classes), or a multi-label
 * dataset's (N, L) values of 0 / 1 (as ChestMNIST's; it reads back multi-label). Class names are
 * not kept (a MedMNIST file has none). The file is written atomically: readers see the old file or
 * the whole new one. The archive is built in memory first (about the pixels once more).
 * @param dataset The dataset; every split present must be labelled.
 * @param path    The file to write.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for an unlabelled split, ::KCELL_ERROR_IO when the
 *         file cannot be written.
 */
KCELL_API kcell_status kcell_dataset_save_npz(const kcell_dataset* dataset, const char* path);

/**
 * @brief Releases a dataset. NULL is a no-op.
 *
 * If calls are using @p dataset (a kcell_train() whose progress callback, or another
 * thread, frees it), the release is deferred: those calls finish normally and the last of
 * them releases it. The handle must not be passed to any new call after this; one that is
 * (while the release waits) fails with ::KCELL_ERROR_INVALID_ARGUMENT.
 */
KCELL_API void kcell_dataset_free(kcell_dataset* dataset);

/**
 * @brief Number of images in a split; 0 when the split is absent.
 */
KCELL_API kcell_status kcell_dataset_count(const kcell_dataset* dataset, kcell_split split,
                                           size_t* count);

/**
 * @brief The image shape shared by all splits. Any output pointer may be NULL.
 */
KCELL_API kcell_status kcell_dataset_shape(const kcell_dataset* dataset, int* channels, int* height,
                                           int* width);

/**
 * @brief Number of classes (0 for an unlabelled `.npy` stack); for a multi-label dataset,
 *        the number of labels per image, L.
 */
KCELL_API kcell_status kcell_dataset_num_classes(const kcell_dataset* dataset, int* num_classes);

/**
 * @brief Images per class in a split (multi-label: images per label that have it, i.e.
 *        its positives).
 *
 * @param dataset  The dataset.
 * @param split    Which split.
 * @param counts   Receives num_classes counts.
 * @param capacity Number of elements @p counts can hold; ::KCELL_ERROR_BUFFER_TOO_SMALL
 *                 if fewer than the class count.
 */
KCELL_API kcell_status kcell_dataset_class_histogram(const kcell_dataset* dataset,
                                                     kcell_split split, size_t* counts,
                                                     size_t capacity);

/**
 * @brief Copies one image (C×H×W bytes) and its label.
 *
 * @param dataset  The dataset.
 * @param split    Which split.
 * @param index    Image number in the split, from 0.
 * @param pixels   Receives channels × height × width bytes; may be NULL to get the label only.
 * @param capacity Bytes @p pixels can hold.
 * @param label    Receives the label (-1 when unlabelled); may be NULL, and must be NULL
 *                 for a multi-label dataset (::KCELL_ERROR_INVALID_ARGUMENT: read its
 *                 labels with kcell_dataset_labels()).
 */
KCELL_API kcell_status kcell_dataset_image(const kcell_dataset* dataset, kcell_split split,
                                           size_t index, uint8_t* pixels, size_t capacity,
                                           int32_t* label);

/**
 * @brief The task of a dataset's labels.
 *
 * @param dataset The dataset.
 * @param task    Receives a ::kcell_task: ::KCELL_TASK_MULTI_LABEL for a `.npz` whose labels
 *                are (N, L) with L >= 2, else ::KCELL_TASK_MULTI_CLASS.
 */
KCELL_API kcell_status kcell_dataset_task(const kcell_dataset* dataset, int32_t* task);

/**
 * @brief Copies the labels of one image: its class (one value, -1 when unlabelled), or for
 *        a multi-label dataset its L labels of 0 or 1 (L = kcell_dataset_num_classes()).
 *
 * @param dataset  The dataset.
 * @param split    Which split.
 * @param index    Image number in the split, from 0.
 * @param labels   Receives the values; not NULL.
 * @param capacity Values @p labels can hold; ::KCELL_ERROR_BUFFER_TOO_SMALL if fewer than
 *                 the image has.
 */
KCELL_API kcell_status kcell_dataset_labels(const kcell_dataset* dataset, kcell_split split,
                                            size_t index, int32_t* labels, size_t capacity);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Models
 * A model is a network with its weights.
 *
 * Threads: one model may be shared by any number of threads. These calls may run at the
 * same time as each other, in any mix, on the same model: the calls that only read it
 * (they take a `const kcell_model *`: kcell_predict(), kcell_predict_normalized(),
 * kcell_evaluate(), kcell_evaluate_details(), kcell_model_save(),
 * kcell_model_save_to_memory() and the getters kcell_model_num_params(),
 * kcell_model_get_info(), kcell_model_architecture(), kcell_model_summary(),
 * kcell_model_normalization(), kcell_model_class_name(), kcell_model_tta()), and the two that
 * change only the inference settings, under a lock of their own:
 * kcell_model_set_inference_precision() and kcell_model_calibrate_int8() (calls already running
 * finish with the precision and calibration they started with). kcell_train(),
 * kcell_model_set_class_names(), kcell_model_set_tta() and kcell_model_set_decision_bias() are
 * exclusive, and kcell checks it: while one of them runs on the model, any other call on it (from
 * another thread, or from the training's own progress callback: a nested kcell_train(), a
 * kcell_predict()) returns ::KCELL_ERROR_BUSY without running, and they return
 * ::KCELL_ERROR_BUSY themselves if another call is using the model. kcell_model_free() during a
 * call is deferred until the call returns (see there).
 * @{ */

/** A network architecture with its weights and input normalisation. */
typedef struct kcell_model kcell_model;

/**
 * @brief The preset name of the recommended network for small and mid-size training sets
 *        on this CPU, to train with the recipe of kcell_train_params_default()
 *        (docs/recipe.md): `resnet8`, or `resnet8-slim` (half its width, a quarter of its
 *        FLOPs) where training runs at a quarter of the AVX-512 BF16 rate or less (AVX2,
 *        fp32), so that a small set's fixed number of steps takes the same minutes. When
 *        the training set's size is known, prefer kcell_recommended_architecture_for().
 * @return A static string; never NULL.
 */
KCELL_API const char* kcell_recommended_architecture(void);

/**
 * @brief The preset name of the recommended network for a training set of
 *        `training_images` images on this CPU: below 20,000 images the small-set network
 *        (kcell_recommended_architecture(): `resnet8`, or `resnet8-slim` on CPUs without
 *        AVX-512), from 20,000 on `resnet10` (a fourth residual stage); the kcell program's
 *        default (docs/recipe.md).
 * @param training_images Images in the training split (kcell_dataset_count()).
 * @return A static string; never NULL.
 */
KCELL_API const char* kcell_recommended_architecture_for(size_t training_images);

/**
 * @brief Creates a model with freshly initialised weights.
 *
 * @param architecture A preset name (`resnet8`, `resnet8-slim`, `resnet10`, `reference`,
 *                     `resnet18`, `lenet5`; the recommended one is
 *                     kcell_recommended_architecture()) or an
 *                     architecture spec such as `conv(32,3) bn relu maxpool(2) flatten
 *                     dense` (docs/architecture.md).
 * @param channels,height,width Input image shape.
 * @param num_classes  Number of output classes (2 or more).
 * @param seed         Seed of the weight initialisation.
 * @param out          Receives the model; release with kcell_model_free().
 * @return ::KCELL_ERROR_SPEC when the spec does not parse (the message names the token);
 *         ::KCELL_ERROR_LIMIT for an architecture of more than 2^26 (67,108,864) trainable
 *         parameters, counted before any weight is allocated.
 */
KCELL_API kcell_status kcell_model_create(const char* architecture, int channels, int height,
                                          int width, int num_classes, uint64_t seed,
                                          kcell_model** out);

/**
 * @brief The task of a model's outputs: a ::kcell_task.
 *
 * @param model The model.
 * @param task  Receives ::KCELL_TASK_MULTI_CLASS (softmax over num_classes classes: the
 *              default) or ::KCELL_TASK_MULTI_LABEL (num_classes independent sigmoids).
 */
KCELL_API kcell_status kcell_model_task(const kcell_model* model, int32_t* task);

/**
 * @brief Sets the task of a model's outputs (exclusive, as kcell_train()).
 *
 * A multi-label model (::KCELL_TASK_MULTI_LABEL) has num_classes sigmoid outputs, trains
 * with binary cross-entropy on a multi-label dataset (kcell_dataset_task()), predicts one
 * probability per label and is evaluated with MedMNIST's multi-label metrics; it has no
 * decision bias, temperature or conformal sets (those calls refuse it with
 * ::KCELL_ERROR_INVALID_ARGUMENT). kcell_train() refuses a dataset whose task differs from
 * the model's. Changing the task drops the model's decision bias, temperature and conformal
 * calibration; the weights stay (the same logits, read another way).
 *
 * @param model The model; not an ensemble.
 * @param task  A ::kcell_task.
 */
KCELL_API kcell_status kcell_model_set_task(kcell_model* model, int32_t task);

/**
 * @brief Releases a model. NULL is a no-op.
 *
 * If calls are using @p model (a kcell_train() whose progress callback frees it, or a
 * prediction or training on another thread), the release is deferred: those calls finish
 * normally and the last of them releases it. The handle must not be passed to any new call
 * after this; one that is (while the release waits) fails with
 * ::KCELL_ERROR_INVALID_ARGUMENT.
 */
KCELL_API void kcell_model_free(kcell_model* model);

/**
 * @brief Number of trainable parameters (weights, biases, batch-norm scales and shifts).
 */
KCELL_API kcell_status kcell_model_num_params(const kcell_model* model, size_t* count);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Training
 * @{ */

/** Optimisers. */
typedef enum kcell_optimizer {
  KCELL_OPTIMIZER_SGD = 0,  /**< SGD with optional (Nesterov) momentum. */
  KCELL_OPTIMIZER_ADAM = 1, /**< Adam; weight decay is L2 added to the gradient. */
  KCELL_OPTIMIZER_ADAMW = 2 /**< AdamW; weight decay is decoupled from the gradient. */
} kcell_optimizer;

/** Learning-rate schedules. */
typedef enum kcell_schedule {
  KCELL_SCHEDULE_CONSTANT = 0,  /**< The same rate every step. */
  KCELL_SCHEDULE_MULTISTEP = 1, /**< ×0.1 at 50% and 75% of the epochs (MedMNIST v2). */
  KCELL_SCHEDULE_COSINE = 2     /**< Cosine decay to 0, after an optional linear warm-up. */
} kcell_schedule;

/** Number formats for training and inference arithmetic. */
typedef enum kcell_precision {
  KCELL_PRECISION_FP32 = 0, /**< 32-bit floats everywhere (inference's default). */
  KCELL_PRECISION_BF16 = 1, /**< bfloat16 compute with fp32 accumulation and master
                                 weights; needs AVX-512 BF16 (::KCELL_ERROR_UNSUPPORTED
                                 otherwise). */
  KCELL_PRECISION_INT8 = 2, /**< 8-bit integer inference of a trained model, after
                                 kcell_model_calibrate_int8() (inference only). */
  KCELL_PRECISION_AUTO = 3  /**< Training only, the default: ::KCELL_PRECISION_BF16 where
                                 the CPU computes bfloat16 natively (AVX-512 BF16 or AMX),
                                 ::KCELL_PRECISION_FP32 elsewhere. */
} kcell_precision;

/** Which validation number picks the best epoch (model selection and early stopping). */
typedef enum kcell_monitor {
  KCELL_MONITOR_NONE = 0,                  /**< No selection: the model keeps the last epoch. */
  KCELL_MONITOR_VAL_LOSS = 1,              /**< Lowest validation loss. */
  KCELL_MONITOR_VAL_ACCURACY = 2,          /**< Highest validation accuracy. */
  KCELL_MONITOR_VAL_BALANCED_ACCURACY = 3, /**< Highest validation balanced accuracy. */
  KCELL_MONITOR_VAL_AUC = 4,               /**< Highest validation macro one-vs-rest AUC. */
  KCELL_MONITOR_AUTO = 5                   /**< ::KCELL_MONITOR_VAL_BALANCED_ACCURACY with
                                                validation data, ::KCELL_MONITOR_NONE
                                                without (the default). */
} kcell_monitor;

/**
 * On-the-fly augmentation of training images (never of validation or evaluation images).
 * Applied to each image as floats in [0, 1], before the input normalisation; every draw
 * depends only on the seed, the epoch and the image's place in the epoch, so a run is
 * reproducible for a given seed and thread count. The defaults (all probabilities and
 * ranges 0) turn it off.
 *
 * Passed to kcell_train() by pointer (kcell_train_params.augmentation) and growing like
 * the parameters: fill it with kcell_augmentation_default() first; a library newer than
 * the program uses its defaults for the fields past `struct_size`.
 */
typedef struct kcell_augmentation {
  size_t struct_size;    /**< sizeof(kcell_augmentation), set by the default function. */
  double hflip;          /**< Probability of a left-right flip, in [0, 1] (0). */
  double vflip;          /**< Probability of an up-down flip, in [0, 1] (0). */
  double rot90;          /**< Probability of a turn by 90, 180 or 270 degrees (0). */
  double rotate;         /**< Probability of a small bilinear rotation (0) ... */
  double rotate_degrees; /**< ... by an angle uniform in ±this many degrees, 0..180 (0). */
  int32_t shift;         /**< Shift by up to ±this many pixels per axis, zero fill (0). */
  double brightness;     /**< Add a value uniform in ±this, in [0, 1] (0). */
  double contrast;       /**< Scale about the image mean by 1 ± this, in [0, 1] (0). */
  double erase;          /**< Probability of zeroing one random rectangle (0) ... */
  double erase_max_area; /**< ... covering up to this fraction of the image, (0, 1] (0.25). */
} kcell_augmentation;

/**
 * @brief Fills the first @p struct_size bytes of @p augmentation with the defaults listed on
 *        each field (augmentation off).
 *
 * Writes no byte past @p struct_size, as kcell_train_params_init() does.
 * @param augmentation The struct to fill.
 * @param struct_size  Its size in bytes; at least sizeof(size_t).
 */
KCELL_API kcell_status kcell_augmentation_init(kcell_augmentation* augmentation,
                                               size_t struct_size);

/**
 * @brief Fills @p augmentation with the defaults (kcell_augmentation_init() with this
 *        header's size).
 * @param augmentation The struct to fill.
 */
static inline kcell_status kcell_augmentation_default(kcell_augmentation* augmentation) {
  return kcell_augmentation_init(augmentation, sizeof *augmentation);
}

/** What the progress callback is told, after every batch. */
typedef struct kcell_progress {
  int epoch;           /**< 0-based epoch. */
  int epochs;          /**< Total epochs planned. */
  size_t batch;        /**< Batches done in this epoch (1-based). */
  size_t batches;      /**< Batches per epoch. */
  double loss;         /**< Mean training loss over this epoch so far. */
  double accuracy;     /**< Training accuracy over this epoch so far. */
  double seconds;      /**< Seconds since the epoch started. */
  int phase;           /**< 0 while training, 1 after the epoch's validation (stats final). */
  double val_loss;     /**< Phase 1: validation loss of the epoch; NaN without validation. */
  double val_accuracy; /**< Phase 1: validation accuracy; NaN without validation. */
} kcell_progress;

/**
 * @brief Progress callback: return 0 to go on, anything else to cancel training.
 *
 * Called on the thread that called kcell_train(). After a cancel, kcell_train() returns
 * ::KCELL_ERROR_CANCELLED and the model keeps the weights of the last completed batch.
 */
typedef int (*kcell_progress_fn)(const kcell_progress* progress, void* user_data);

/** kcell_train_params.auto_class_weights: loss weights computed from the training split. */
typedef enum kcell_class_weighting {
  KCELL_CLASS_WEIGHTS_NONE = 0,    /**< Every class weighs 1 (or `class_weights`). */
  KCELL_CLASS_WEIGHTS_INVERSE = 1, /**< 1 / class count. */
  KCELL_CLASS_WEIGHTS_SQRT = 2     /**< 1 / sqrt(class count): the default. */
} kcell_class_weighting;

/**
 * How a model decides between classes: plain argmax, or argmax after a per-class bias on
 * the logits fitted on the validation split (kcell_model_decision_bias()). Values of
 * kcell_train_params::fit_decision_bias and of kcell_model_decision_rule().
 */
typedef enum kcell_decision {
  KCELL_DECISION_ARGMAX = 0,            /**< No bias: the class of the largest probability. */
  KCELL_DECISION_AUTO = 1,              /**< Training only: ::KCELL_DECISION_BALANCED when the class
                                             mixes of the training and validation splits differ beyond
                                             chance (a chi-square test at p < 0.001: the priors at use
                                             cannot be trusted either), else
                                             ::KCELL_DECISION_VALIDATION_PRIORS, whose bias
                                             is kept only if it decides the validation
                                             split at least as accurately as plain argmax. */
  KCELL_DECISION_VALIDATION_PRIORS = 2, /**< Decisions under the validation split's class
                                             shares (the bias undoes the loss weights and the
                                             training split's priors). */
  KCELL_DECISION_BALANCED = 3,          /**< Decisions under equal class priors (Bayes' rule
                                             from the validation priors): for balanced
                                             accuracy whatever the mix at use. */
  KCELL_DECISION_GIVEN = 4 /**< A model's bias set by kcell_model_set_decision_bias(). */
} kcell_decision;

/**
 * @brief How the ranks of a data-parallel training run talk to each other.
 *
 * kcell itself links no MPI: a caller that runs one process per node (or per socket)
 * fills this struct with functions over its transport, and kcell_train() uses it through
 * kcell_train_params::communicator. The kcell library's optional `kcell_mpi` backend
 * (kcell_mpi.h) fills it over MPI; oneCCL, Gloo or anything else can stand in without
 * rebuilding kcell. docs/scaling.md describes the run.
 *
 * What a run does with it: every rank calls kcell_train() with the same model, data and
 * parameters (checked at the start, through `broadcast` and `allreduce_sum`); each
 * step, each rank trains on its share of the global batch (batch_size images per rank)
 * and the gradients are summed with `allreduce_sum` (or the non-blocking calls below,
 * overlapped with the backward pass); all ranks keep identical weights.
 *
 * Thread rules: kcell calls every function on the thread that called kcell_train(),
 * never concurrently, and every rank makes the same calls in the same order with the
 * same counts (collective calls, as MPI's). The functions need not be thread-safe.
 *
 * Error rules: `allreduce_sum` and `broadcast` return 0 on success; anything else
 * means the transport failed (a peer died, a timeout): kcell_train() then stops and
 * returns ::KCELL_ERROR_COMMUNICATION. A rank whose kcell_train() fails for any reason
 * while others go on must call `abort` (the kcell program does): its peers would
 * otherwise wait in their next collective call. A transport should bound every call by a
 * timeout, so that a rank that hangs ends the run too.
 *
 * Overlap (optional): a transport that can sum without blocking also fills
 * `allreduce_sum_start` and `allreduce_wait` (and, if it needs to be driven, `progress`).
 * kcell then starts the sum of a bucket of parameter gradients as soon as the backward
 * pass has finished the layers they belong to (buckets filled from the last layer down),
 * so the transfer overlaps the backward pass of the layers below, and waits for every
 * bucket before the optimiser step. A communicator without them (both NULL, or a
 * struct_size from a header older than these fields) sums the gradients with
 * `allreduce_sum` after the whole backward pass; the results are the same. The rules above
 * hold for them too: the training thread only, the same calls in the same order on every
 * rank (starts, waits and the blocking calls, interleaved alike: synchronised batch norm
 * makes blocking `allreduce_sum` calls while sums are in flight, so a transport must allow
 * blocking collectives while non-blocking ones are outstanding, as MPI does). kcell does
 * not touch a started buffer until its wait, waits for every started sum exactly once and
 * in the order started (also when training fails meanwhile, the results then ignored),
 * and starts a few sums per step (buckets of 256 KB to 4 MB, or one larger parameter).
 * A non-zero return from any of the three ends kcell_train() with
 * ::KCELL_ERROR_COMMUNICATION, as above.
 */
typedef struct kcell_communicator {
  size_t struct_size; /**< sizeof(kcell_communicator). */
  void* user_data;    /**< Passed to every function. */
  /** This process's rank, 0 .. size - 1; rank 0 writes checkpoints. */
  int (*rank)(void* user_data);
  /** The number of ranks (1 or more). */
  int (*size)(void* user_data);
  /** Replaces @p data[0 .. count) on every rank by its element-wise sum over the ranks,
      identical on all ranks afterwards. Returns 0 on success. */
  int (*allreduce_sum)(void* user_data, float* data, size_t count);
  /** Copies @p bytes bytes at @p data on rank @p root to @p data on every other rank.
      Returns 0 on success. */
  int (*broadcast)(void* user_data, void* data, size_t bytes, int root);
  /** Ends every rank of the run with @p message (written by the caller's transport);
      does not return. NULL when the transport cannot (then a failing rank just
      returns and its peers end at their timeout). */
  void (*abort)(void* user_data, const char* message);
  /** Optional (NULL: no overlap): starts what `allreduce_sum` does on @p data[0 .. count)
      without waiting for it, and stores in @p request a handle for `allreduce_wait`.
      @p data is not read or written by kcell until then. Returns 0 on success; non-zero
      means nothing was started (and no wait follows). Set with `allreduce_wait`. */
  int (*allreduce_sum_start)(void* user_data, float* data, size_t count, void** request);
  /** Optional, set with `allreduce_sum_start`: waits until the sum @p request started is
      complete (its data then holds the sum, as after `allreduce_sum`) and releases the
      request. Called exactly once per started request, in the order they were started.
      Returns 0 on success. */
  int (*allreduce_wait)(void* user_data, void* request);
  /** Optional (NULL: never called): lets started sums advance, for a transport that
      makes progress only inside its own calls (MPI without a progress thread). Called
      between the layers of the backward pass while sums are in flight; must not block.
      Returns 0 on success. */
  int (*progress)(void* user_data);
} kcell_communicator;

/**
 * Training settings. Fill with kcell_train_params_default() first: the defaults are the
 * recommended recipe (docs/recipe.md), the same as the kcell program's and Python's
 * Model.train(): AdamW, cosine with warm-up, flips and quarter turns, 1/sqrt(class count)
 * loss weights, the best epoch by validation balanced accuracy, a val-fitted decision bias,
 * and a run length that follows the data size.
 */
typedef struct kcell_train_params {
  size_t struct_size;         /**< sizeof(kcell_train_params), set by the default function. */
  int epochs;                 /**< Passes over the training split; 0 (the default):
                                   automatic, about 2,000 optimiser steps within 10 to 200
                                   epochs and at most 12,000 steps on an AVX-512 BF16
                                   CPU, fewer on slower ones (docs/recipe.md). */
  int batch_size;             /**< Images per step (128). */
  int32_t optimizer;          /**< A ::kcell_optimizer (::KCELL_OPTIMIZER_ADAMW). */
  double learning_rate;       /**< Peak learning rate (1e-3). */
  double momentum;            /**< SGD momentum (0.9). */
  int nesterov;               /**< SGD: non-zero for Nesterov momentum (0). */
  double beta1;               /**< Adam β1 (0.9). */
  double beta2;               /**< Adam β2 (0.999). */
  double epsilon;             /**< Adam ε (1e-8). */
  double weight_decay;        /**< L2 (SGD, Adam) or decoupled (AdamW) decay (0.05). */
  int decay_bias_and_norm;    /**< Non-zero to decay biases and batch-norm parameters too (0). */
  int32_t schedule;           /**< A ::kcell_schedule (::KCELL_SCHEDULE_COSINE). */
  double warmup_epochs;       /**< Cosine: linear warm-up length in epochs, cut to a fifth
                                   of the run; negative (the default, -1): 5 % of it. */
  const float* class_weights; /**< NULL, or one loss weight per class (copied). */
  double label_smoothing;     /**< Label smoothing ε in [0, 1) (0). */
  uint64_t seed;              /**< Seeds shuffling and dropout (42). */
  int num_threads;            /**< Compute threads; 0 for the kcell_set_num_threads() value. */
  kcell_progress_fn progress; /**< NULL, or called after every batch and epoch. */
  void* progress_user_data;   /**< Passed to @ref progress. */
  int32_t monitor;            /**< A ::kcell_monitor (::KCELL_MONITOR_AUTO: validation
                                   balanced accuracy when there is validation data, none
                                   otherwise); any other but NONE needs validation data,
                                   and the model ends with the best epoch's weights. */
  int patience;               /**< With a monitor: stop after this many validations
                                   without improvement; 0 never stops early; negative
                                   (the default, -1): a quarter of the run's validations,
                                   at least 3. */
  double min_delta;           /**< With a monitor: an improvement must exceed this (0). */
  int auto_class_weights;     /**< A ::kcell_class_weighting: loss weights from the class
                                   counts of the train split, mean 1 over the classes
                                   present (absent ones 0); ignored when @ref
                                   class_weights is given (::KCELL_CLASS_WEIGHTS_SQRT). */
  int balanced_sampler;       /**< Non-zero: each epoch draws train-count images with
                                   replacement, every class equally likely (0). */
  const kcell_augmentation* augmentation; /**< NULL (no augmentation), or settings filled
                                    with kcell_augmentation_default() first (copied); by
                                    default the recipe's, library-owned: flips (0.5 each)
                                    and quarter turns (0.75). */
  const char* checkpoint_path; /**< NULL, or a file rewritten atomically after every epoch
                                    with all kcell_train() needs to resume
                                    (docs/model-files.md); checked before training as
                                    kcell_check_output() does, and refused if it is the
                                    file a dataset was opened from (NULL). */
  int resume;                  /**< Non-zero: if @ref checkpoint_path exists, continue the
                                    run it records instead of starting anew; the end result
                                    equals an uninterrupted run's with the same thread
                                    count. A checkpoint of a run with other settings, data
                                    or model is refused (::KCELL_ERROR_INVALID_ARGUMENT), a
                                    damaged one too (::KCELL_ERROR_FORMAT). A data-parallel
                                    run's checkpoint records the global batch (batch_size ×
                                    ranks) and resumes on any rank count that splits the
                                    same global batch, or in one process (0). */
  int32_t precision;           /**< A ::kcell_precision, the arithmetic of training:
                                    ::KCELL_PRECISION_AUTO (the default: bf16 where the
                                    CPU computes it natively, about twice as fast at the
                                    same accuracy, else fp32), ::KCELL_PRECISION_FP32, or
                                    ::KCELL_PRECISION_BF16 where the CPU supports it. */
  int validate_every;          /**< Validate after every this many epochs and after the
                                    last; 0 (the default): automatic, at most about 50
                                    validations per run. */
  int fit_decision_bias;       /**< A ::kcell_decision: with validation data, the decision
                                    bias fitted on the validation split after training
                                    (kcell_model_decision_bias()); ::KCELL_DECISION_AUTO
                                    (the default, 1; older versions read any non-zero
                                    value as "fit"), ::KCELL_DECISION_ARGMAX (0) for none. */
  double ema_decay;            /**< An exponential moving average of the weights and
                                    batch-norm statistics, updated after every optimiser
                                    step, is what validation, model selection, the decision
                                    bias and the trained model use: 0 off; in (0, 1) its
                                    decay; negative (the default, -1): automatic, a time
                                    constant of 5 % of the run's steps (docs/recipe.md). */
  double mixup_alpha;          /**< Mixup of training batches: images and labels blended
                                    in Beta(α, α) shares; 0 (the default) off. */
  double cutmix_alpha;         /**< CutMix of training batches: a rectangle of another image
                                    pasted, labels in the shares of the pixels; 0 (the
                                    default) off. With both alphas, each batch uses one of
                                    the two, chosen evenly. Multi-label models blend label
                                    vectors in the same shares. */
  const float* pos_weights;    /**< Multi-label models only: NULL, or one weight per label
                                    for its positives in the binary cross-entropy (PyTorch's
                                    `pos_weight`; copied; finite and above 0). */
  int auto_pos_weights;        /**< Multi-label models only: non-zero for positive weights
                                    from the training split, negatives / positives of each
                                    label clamped to [0.01, 100] (1 for a label without
                                    positives or negatives); excludes @ref pos_weights (0). */
  const kcell_communicator* communicator; /**< NULL (the default): one process. Else a
                                    data-parallel run over its ranks (copied; its functions
                                    and user_data must stay valid during kcell_train()):
                                    @ref batch_size is per rank, each epoch's order is cut
                                    into global batches of size × batch_size images, and
                                    every rank must pass the same model, data and settings
                                    (a difference is refused with
                                    ::KCELL_ERROR_COMMUNICATION on every rank). Only rank 0
                                    writes the checkpoint. docs/scaling.md. */
  int sync_batch_norm;                    /**< With a communicator: non-zero to normalise each batch
                                              norm with the statistics of the global batch (as one
                                              process with the global batch would: same results),
                                              0 for each rank's own (cheaper; the running statistics
                                              are then averaged over the ranks after each epoch) (1). */
} kcell_train_params;

/**
 * @brief Fills the first @p struct_size bytes of @p params with the defaults listed on each
 *        field.
 *
 * Writes no byte past @p struct_size, so a program built against an older (smaller) header
 * is safe with a newer library. C callers use kcell_train_params_default(); FFI callers pass
 * the size of the struct they defined.
 * @param params      The struct to fill.
 * @param struct_size Its size in bytes; at least sizeof(size_t).
 */
KCELL_API kcell_status kcell_train_params_init(kcell_train_params* params, size_t struct_size);

/**
 * @brief Fills @p params with the defaults (kcell_train_params_init() with this header's size).
 * @param params The struct to fill.
 */
static inline kcell_status kcell_train_params_default(kcell_train_params* params) {
  return kcell_train_params_init(params, sizeof *params);
}

/** Statistics of one training epoch, from kcell_history_epoch(). */
typedef struct kcell_epoch_stats {
  size_t struct_size;           /**< sizeof(kcell_epoch_stats); set it before calling. */
  int epoch;                    /**< 0-based epoch. */
  double train_loss;            /**< Mean training loss (as seen during the epoch). */
  double train_accuracy;        /**< Training accuracy (as seen during the epoch). */
  double val_loss;              /**< Validation loss; NaN without validation data. */
  double val_accuracy;          /**< Validation accuracy; NaN without validation data. */
  double learning_rate;         /**< Learning rate at the end of the epoch. */
  double seconds;               /**< Wall time of the epoch, validation included. */
  double val_balanced_accuracy; /**< Mean per-class validation recall; NaN without
                                     validation data. */
  double val_auc;               /**< Validation macro one-vs-rest ROC AUC (as MedMNIST); NaN
                                     without validation data or when no class has one. */
  double train_val_gap;         /**< train_accuracy - val_accuracy: the overfitting signal; NaN
                                     without validation data. */
} kcell_epoch_stats;

/** The per-epoch record of a kcell_train() call. Not thread-safe. */
typedef struct kcell_history kcell_history;

/** @brief Creates an empty history; release with kcell_history_free(). */
KCELL_API kcell_status kcell_history_create(kcell_history** out);

/** @brief Releases a history. NULL is a no-op. */
KCELL_API void kcell_history_free(kcell_history* history);

/** @brief Number of epochs recorded. */
KCELL_API kcell_status kcell_history_count(const kcell_history* history, size_t* count);

/**
 * @brief Copies the statistics of recorded epoch @p index (0-based).
 * @param history The history.
 * @param index   Epoch record number, from 0.
 * @param stats   Receives the record; set its `struct_size` first. Only the fields that
 *                fit in that size are written (and `struct_size`, to the size written).
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for an index past the records or a `struct_size`
 *         below sizeof(size_t).
 */
KCELL_API kcell_status kcell_history_epoch(const kcell_history* history, size_t index,
                                           kcell_epoch_stats* stats);

/**
 * @brief Which record holds the epoch whose weights the model kept.
 *
 * @param history The history of a kcell_train() call with a monitor.
 * @param best    Receives the record index (for kcell_history_epoch()) of the best epoch of
 *                the latest kcell_train() call that filled @p history, or -1 when that call
 *                had no monitor, failed, or no epoch had a finite monitored value.
 */
KCELL_API kcell_status kcell_history_best_epoch(const kcell_history* history, int* best);

/**
 * @brief Trains @p model on the train split of @p train, validating on the validation
 *        split of @p val after every epoch.
 *
 * The input normalisation (per-channel mean and standard deviation) is computed from the
 * training images on the first call and kept in the model.
 *
 * With a `monitor` in @p params the model ends with the weights (parameters and batch-norm
 * statistics) of the best epoch by that validation number, and kcell_history_best_epoch()
 * says which record that is; with a `patience` training stops early once that many epochs
 * in a row have not improved on the best by more than `min_delta`. Validation runs in
 * batches of 128, as kcell_evaluate() does, so evaluating the returned model on the same
 * validation split (with the same thread count) reproduces the best epoch's numbers
 * exactly.
 *
 * @param model   The model; used exclusively for the duration of the call.
 * @param train   Dataset whose ::KCELL_SPLIT_TRAIN split is trained on.
 * @param val     Dataset whose ::KCELL_SPLIT_VAL split is evaluated after each epoch; NULL
 *                for none. May be the same handle as @p train.
 * @param params  NULL for the defaults.
 * @param history NULL, or a history that receives one record per completed epoch
 *                (appended).
 * @return ::KCELL_ERROR_CANCELLED if the callback cancelled; ::KCELL_ERROR_NOT_FINITE if
 *         the loss or a gradient became NaN or infinite (training stops at that batch and
 *         the model keeps its last weights whose loss and gradients were finite, from
 *         before the previous step); ::KCELL_ERROR_IO if a checkpoint cannot be written;
 *         ::KCELL_ERROR_BUSY if another call is using @p model (see Models: Threads).
 */
KCELL_API kcell_status kcell_train(kcell_model* model, const kcell_dataset* train,
                                   const kcell_dataset* val, const kcell_train_params* params,
                                   kcell_history* history);

/**
 * @brief Estimates the memory kcell_train() needs for @p model with batches of
 *        @p batch_size images, besides the dataset's pixels (which a dataset holds once:
 *        count × channels × height × width bytes).
 *
 * An estimate from the architecture's shapes, made without allocating anything: float32
 * training (bf16 needs less); docs/data-formats.md compares it with measured peak memory.
 * Any output pointer may be NULL.
 * @param model            The model.
 * @param batch_size       Images per training batch, 1 or more.
 * @param parameter_bytes  Receives the bytes of weights, gradients, optimiser state and the
 *                         trainer's copies of the weights.
 * @param activation_bytes Receives the bytes of one batch's activations and their gradients
 *                         (and validation's batches).
 * @param runtime_bytes    Receives the fixed part: code, kernels, thread pools.
 */
KCELL_API kcell_status kcell_model_training_memory(const kcell_model* model, int batch_size,
                                                   uint64_t* parameter_bytes,
                                                   uint64_t* activation_bytes,
                                                   uint64_t* runtime_bytes);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Evaluation
 * Evaluation computes the probabilities as kcell_predict() does (same engine and numbers).
 *
 * Threads: kcell_evaluate() and kcell_evaluate_details() only read the model; they may run
 * on one model from several threads at once and alongside predictions, but not during
 * kcell_train(), kcell_model_set_class_names() or kcell_model_free() on it.
 * @{ */

/**
 * Summary metrics of a model on one split. For a multi-label model (kcell_model_task()) the
 * fields are MedMNIST's multi-label numbers: `loss` the mean binary cross-entropy over
 * every (image, label), `accuracy` the mean over labels of the accuracy of
 * "probability > 0.5", `auc` the mean over labels of each label's ROC AUC (over the
 * labels where it is defined), `balanced_accuracy` the mean over labels of each label's
 * balanced accuracy; the argmax fields equal their plain ones and the calibration fields
 * (`ece`, `classwise_ece`, `nll`, `brier`) are NaN.
 */
typedef struct kcell_metrics {
  size_t struct_size;       /**< sizeof(kcell_metrics); set it before calling kcell_evaluate(). */
  size_t count;             /**< Images evaluated. */
  double loss;              /**< Mean softmax cross-entropy (unweighted, no smoothing). */
  double accuracy;          /**< Fraction classified correctly. */
  double balanced_accuracy; /**< Mean recall over the classes present in the labels;
                                 NaN from kcell_evaluate() for over 4096 classes. */
  double auc;               /**< Macro one-vs-rest ROC AUC of the softmax probabilities, as
                                 MedMNIST computes it (ties count half); NaN when undefined
                                 (or, from kcell_evaluate(), for over 4096 classes). */
  double argmax_accuracy;   /**< @ref accuracy by plain argmax, without the model's decision
                                 bias (kcell_model_decision_bias()); equal to it without one. */
  double argmax_balanced_accuracy; /**< @ref balanced_accuracy by plain argmax. */
  double ece;                      /**< Top-label expected calibration error over 15 equal-width
                                        confidence bins (docs/calibration.md); NaN from kcell_evaluate()
                                        for over 4096 classes. */
  double classwise_ece; /**< Classwise ECE: the mean over classes of the binned calibration
                             error of each class's probability; NaN as @ref ece. */
  double nll;           /**< Mean negative log-likelihood of the probabilities,
                             -log(max(p[label], FLT_MIN)); NaN as @ref ece. */
  double brier;         /**< Brier score: the mean over images of the sum over classes of
                             (p[c] - [c = label])², in [0, 2] (for two classes, twice
                             scikit-learn's brier_score_loss); NaN as @ref ece. */
} kcell_metrics;

/**
 * Per-class metrics from kcell_evaluate_details(). Fixed layout, no struct_size. For a
 * multi-label model, one record per label: support counts the images that have the label,
 * predicted those whose probability of it is above 0.5.
 */
typedef struct kcell_class_metrics {
  int64_t support;   /**< Images whose label is this class. */
  int64_t predicted; /**< Images predicted as this class. */
  double precision;  /**< 0 when the class is never predicted. */
  double recall;     /**< 0 when the class has no images. */
  double f1;         /**< 0 when precision + recall is 0. */
  double auc;        /**< One-vs-rest ROC AUC; NaN when the class is absent or alone. */
} kcell_class_metrics;

/**
 * @brief Evaluates @p model on one labelled split of @p dataset.
 *
 * @param model   The model (inference only; weights are not changed).
 * @param dataset The dataset.
 * @param split   A labelled split of it.
 * @param metrics Receives the metrics; set its `struct_size` first.
 */
KCELL_API kcell_status kcell_evaluate(const kcell_model* model, const kcell_dataset* dataset,
                                      kcell_split split, kcell_metrics* metrics);

/**
 * @brief Evaluates @p model on one labelled split with per-class metrics and the confusion
 *        matrix.
 *
 * Nothing is written unless every given buffer is large enough.
 *
 * @param model              The model (inference only; weights are not changed).
 * @param dataset            The dataset.
 * @param split              A labelled split of it.
 * @param metrics            Receives the summary metrics as kcell_evaluate() gives them;
 *                           set its `struct_size` first.
 * @param per_class          NULL, or receives one record per class in label order.
 * @param per_class_capacity Records @p per_class can hold; ::KCELL_ERROR_BUFFER_TOO_SMALL
 *                           if fewer than the class count k.
 * @param confusion          NULL, or receives the k × k confusion matrix row by row: entry
 *                           [t * k + p] counts images of true class t predicted as p. Must
 *                           be NULL for a multi-label model (::KCELL_ERROR_INVALID_ARGUMENT).
 * @param confusion_capacity Counts @p confusion can hold; ::KCELL_ERROR_BUFFER_TOO_SMALL if
 *                           fewer than k × k.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for more than 4096 classes.
 */
KCELL_API kcell_status kcell_evaluate_details(const kcell_model* model,
                                              const kcell_dataset* dataset, kcell_split split,
                                              kcell_metrics* metrics,
                                              kcell_class_metrics* per_class,
                                              size_t per_class_capacity, uint64_t* confusion,
                                              size_t confusion_capacity);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Model files
 * A model file is a zip archive that `numpy.load()` opens: one float32 `.npy` array per
 * weight tensor and batch-norm running statistic (named as `0.conv.weight.npy`,
 * `1.bn.running_mean.npy`, ...), plus a `kcell.json` member holding the format version, the
 * architecture spec, the input shape, the class names, the input normalisation and a
 * training summary (docs/model-files.md). A loaded model can be used for prediction and
 * trained further.
 *
 * Ensembles: a ::kcell_model may also hold several trained models (members) whose
 * predictions are averaged: kcell_model_ensemble_create() makes one, kcell_model_load()
 * gives one for an ensemble file, and kcell_model_save() writes one as an ensemble file.
 * kcell_predict(), kcell_predict_normalized(), kcell_evaluate() and
 * kcell_evaluate_details() of an ensemble use the mean of its members' probabilities; the
 * getters describe its first member (all members share input shape, classes, class names
 * and normalisation); kcell_model_set_class_names(), kcell_model_set_inference_precision()
 * and kcell_model_calibrate_int8() apply to every member; kcell_train() refuses an
 * ensemble with ::KCELL_ERROR_INVALID_ARGUMENT.
 *
 * Threads: saving and the getters below only read the model; they may run at the same
 * time as each other and as predictions and evaluations of the same model, but not during
 * kcell_train() or kcell_model_set_class_names() on it.
 * @{ */

/**
 * @brief Saves @p model to the file @p path, replacing it if it exists.
 *
 * The file is written to a temporary file in the same folder, flushed to disk and renamed
 * over @p path, so a save that fails (folder not writable, disk full, the process killed)
 * leaves the previous file intact. A killed process may leave a `.NAME.kcell-tmp-*` file
 * behind in that folder.
 *
 * @param model The model.
 * @param path  File to write; its folder must exist.
 * @return ::KCELL_ERROR_IO (the message names the path and the system's reason).
 */
KCELL_API kcell_status kcell_model_save(const kcell_model* model, const char* path);

/**
 * @brief Writes @p model as an ONNX file that other runtimes (ONNX Runtime, OpenCV's dnn,
 *        TensorRT, ...) run, replacing @p path atomically as kcell_model_save() does.
 *
 * The graph (ONNX opset 11, docs/onnx.md) has one input, `images`: raw pixel values 0-255
 * as float, batch × channels × height × width with the batch size free (what kcell_predict()
 * takes with ::KCELL_LAYOUT_NCHW, as float), and one output, `probabilities`: batch × class
 * count, the numbers kcell_predict() returns with fp32 inference. The input normalisation,
 * the test-time augmentation views (kcell_model_tta()) and the decision bias are inside the
 * graph, batch norms are folded into the convolutions before them, and an ensemble's
 * members are averaged as kcell_predict() averages them. The class names are in the
 * model's metadata (`class_names`, one per line). The inference precision set with
 * kcell_model_set_inference_precision() does not matter: the file holds the fp32 weights.
 *
 * @param model The model.
 * @param path  File to write; its folder must exist.
 * @return ::KCELL_ERROR_UNSUPPORTED if this build of kcell has no ONNX export (it was built
 *         without protobuf); ::KCELL_ERROR_IO when @p path cannot be written or is a folder,
 *         a device or anything but a regular file (the message names the path and the
 *         reason); ::KCELL_ERROR_LIMIT if the file would exceed protobuf's 2 GB.
 */
KCELL_API kcell_status kcell_model_export_onnx(const kcell_model* model, const char* path);

/**
 * @brief Saves @p model into memory that the library allocates: the bytes of a model file.
 *
 * @param model The model.
 * @param data  Receives the bytes; release them with kcell_free().
 * @param size  Receives their number.
 */
KCELL_API kcell_status kcell_model_save_to_memory(const kcell_model* model, void** data,
                                                  size_t* size);

/**
 * @brief Loads a model file written by kcell_model_save(): a single model or an ensemble
 *        (kcell_model_member_count() tells).
 *
 * The whole file is checked (for an ensemble, every member and that they agree): the format
 * version, the CRC of every archive member, that every tensor the architecture needs is present as
 * little-endian float32 in C order with exactly the architecture's shape, and that there is nothing
 * else.
 *
 * @param path File to read.
 * @param out  Receives the model; release with kcell_model_free().
 * @return ::KCELL_ERROR_IO if the file cannot be opened; ::KCELL_ERROR_FORMAT for anything
 *         wrong with its content (the message names the member and the problem).
 */
KCELL_API kcell_status kcell_model_load(const char* path, kcell_model** out);

/**
 * @brief Loads a model from the bytes of a model file in memory (which are not kept).
 *
 * @param data Bytes of a model file, e.g. from kcell_model_save_to_memory().
 * @param size Their number.
 * @param out  Receives the model; release with kcell_model_free().
 * @return ::KCELL_ERROR_FORMAT as kcell_model_load() does; messages call the buffer
 *         "<memory buffer>".
 */
KCELL_API kcell_status kcell_model_load_from_memory(const void* data, size_t size,
                                                    kcell_model** out);

/**
 * @brief Makes an ensemble of copies of @p count models: its predictions are the mean of
 *        theirs.
 *
 * The models are copied (the ensemble does not keep them); an ensemble among them adds all
 * its members. One model gives a single-model handle equal to a copy of it.
 *
 * Each of @p models is in use until the call returns, as in a prediction: a
 * kcell_model_free() of one of them on another thread meanwhile is deferred until the
 * copies are made, and a model that kcell_train() or kcell_model_set_class_names() is
 * changing (also from that training's progress callback) gives ::KCELL_ERROR_BUSY.
 *
 * @param models Models with the same input shape, class count, class names and input
 *               normalisation (trained on the same training images).
 * @param count  Their number, 1 to 64 members in all.
 * @param out    Receives the ensemble; release with kcell_model_free().
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for no models, more than 64 members, a NULL model,
 *         a model already given to kcell_model_free(), or members that disagree (the message names
 * the member and the difference); ::KCELL_ERROR_BUSY as above.
 */
KCELL_API kcell_status kcell_model_ensemble_create(const kcell_model* const* models, size_t count,
                                                   kcell_model** out);

/**
 * @brief Number of member models: 1 for a single model, N for an ensemble of N.
 * @param model The model.
 * @param count Receives the number.
 */
KCELL_API kcell_status kcell_model_member_count(const kcell_model* model, size_t* count);

/**
 * @brief Releases memory that kcell allocated for the caller (kcell_model_save_to_memory()).
 * @param memory The memory; NULL is a no-op.
 */
KCELL_API void kcell_free(void* memory);

/** What a model is: its input, classes and training so far. */
typedef struct kcell_model_info {
  size_t struct_size;  /**< sizeof(kcell_model_info); set it before calling. */
  int channels;        /**< Input channels (1 or 3). */
  int height;          /**< Input height in pixels. */
  int width;           /**< Input width in pixels. */
  int num_classes;     /**< Number of classes. */
  size_t num_params;   /**< Trainable parameters. */
  int epochs_trained;  /**< Epochs completed over all training runs (0 for a new model). */
  int best_epoch;      /**< 0-based epoch, counted over all runs, whose weights the model
                            holds after a run with a monitor; -1 if unknown or the last
                            run had none. */
  double val_loss;     /**< Validation loss after the last epoch; NaN if unknown. */
  double val_accuracy; /**< Validation accuracy after the last epoch; NaN if unknown. */
  int32_t task;        /**< A ::kcell_task: ::KCELL_TASK_MULTI_LABEL for a model of num_classes
                            sigmoid outputs (kcell_model_set_task()). */
} kcell_model_info;

/**
 * @brief Describes @p model.
 *
 * @param model The model.
 * @param info  Receives the description; set its `struct_size` first. Only the fields that
 *              fit in that size are written.
 */
KCELL_API kcell_status kcell_model_get_info(const kcell_model* model, kcell_model_info* info);

/**
 * @brief Copies the model's architecture as canonical spec text (presets written out).
 *
 * @param model    The model.
 * @param buffer   Receives the NUL-terminated text; may be NULL when @p capacity is 0.
 * @param capacity Bytes @p buffer can hold.
 * @param needed   NULL, or receives the bytes the text needs with its NUL, also when the
 *                 call fails with ::KCELL_ERROR_BUFFER_TOO_SMALL (nothing is written then).
 */
KCELL_API kcell_status kcell_model_architecture(const kcell_model* model, char* buffer,
                                                size_t capacity, size_t* needed);

/**
 * @brief Copies a Keras-style summary of the model: one line per layer with its output
 *        shape and parameter count, then the total parameters and forward FLOPs per image.
 *
 * @param model    The model.
 * @param buffer   Receives the NUL-terminated text; may be NULL when @p capacity is 0.
 * @param capacity Bytes @p buffer can hold.
 * @param needed   NULL, or receives the bytes the text needs with its NUL, also when the
 *                 call fails with ::KCELL_ERROR_BUFFER_TOO_SMALL (nothing is written then).
 */
KCELL_API kcell_status kcell_model_summary(const kcell_model* model, char* buffer, size_t capacity,
                                           size_t* needed);

/**
 * @brief Copies the input normalisation: x = (pixel / 255 - mean[c]) / std[c] per channel,
 *        what kcell_predict() applies and kcell_predict_normalized() expects done.
 *
 * A model that has not been trained yet has mean 0 and std 1.
 *
 * @param model    The model.
 * @param mean     Receives one mean per channel.
 * @param std      Receives one standard deviation per channel.
 * @param capacity Floats @p mean and @p std can each hold; ::KCELL_ERROR_BUFFER_TOO_SMALL
 *                 if fewer than the channel count.
 */
KCELL_API kcell_status kcell_model_normalization(const kcell_model* model, float* mean, float* std,
                                                 size_t capacity);

/**
 * @brief Names the classes; model files keep the names. Until set they are "0" .. "k-1".
 *
 * Must not run while another call uses @p model.
 *
 * @param model The model.
 * @param names @p count NUL-terminated UTF-8 names of 1 to 256 bytes, one per class in
 *              label order (copied); NULL with a @p count of 0 restores the defaults.
 * @param count The model's class count, or 0.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for a wrong count or a name that is empty, too long
 *         or not UTF-8.
 */
KCELL_API kcell_status kcell_model_set_class_names(kcell_model* model, const char* const* names,
                                                   size_t count);

/**
 * @brief Copies the name of class @p index.
 *
 * @param model    The model.
 * @param index    Class number in [0, class count).
 * @param buffer   Receives the NUL-terminated name; may be NULL when @p capacity is 0.
 * @param capacity Bytes @p buffer can hold.
 * @param needed   NULL, or receives the bytes the name needs with its NUL, also when the
 *                 call fails with ::KCELL_ERROR_BUFFER_TOO_SMALL (nothing is written then).
 */
KCELL_API kcell_status kcell_model_class_name(const kcell_model* model, int index, char* buffer,
                                              size_t capacity, size_t* needed);

/**
 * @brief Copies the model's decision bias: one value per class that prediction and
 *        evaluation add to the logits before the softmax.
 *
 * kcell_train() with validation data and `fit_decision_bias` fits it on the validation split
 * (the bias under which the mean predicted probability of each class equals its share of the
 * validation labels, or 1/k for ::KCELL_DECISION_BALANCED: argmax then decides under those
 * class priors rather than the training ones, docs/recipe.md); it is saved in model files. A model
 * without one (new, trained without validation, or loaded from an older file) decides by plain
 * argmax.
 * @param model    The model.
 * @param bias     Receives the values; may be NULL when @p capacity is 0.
 * @param capacity Floats @p bias can hold (the class count; ::KCELL_ERROR_BUFFER_TOO_SMALL
 *                 otherwise, when the model has a bias).
 * @param count    Receives the class count, or 0 when the model has no bias.
 */
KCELL_API kcell_status kcell_model_decision_bias(const kcell_model* model, float* bias,
                                                 size_t capacity, size_t* count);

/**
 * @brief Tells how the model's decision bias came to be.
 * @param model The model.
 * @param rule  Receives a ::kcell_decision: ::KCELL_DECISION_ARGMAX without a bias,
 *              ::KCELL_DECISION_VALIDATION_PRIORS or ::KCELL_DECISION_BALANCED when training
 *              fitted it (files from before the rule was recorded: validation priors), or
 *              ::KCELL_DECISION_GIVEN after kcell_model_set_decision_bias().
 */
KCELL_API kcell_status kcell_model_decision_rule(const kcell_model* model, int32_t* rule);

/**
 * @brief Sets (or, with @p count 0, removes) the model's decision bias.
 *
 * Exclusive like kcell_model_set_class_names(): while another call uses @p model (a
 * prediction on another thread, a training whose progress callback calls this) it returns
 * ::KCELL_ERROR_BUSY and changes nothing.
 * @param model The model.
 * @param bias  @p count finite values, one per class (copied); may be NULL when @p count is 0.
 * @param count The class count, or 0.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for another count or a non-finite value.
 */
KCELL_API kcell_status kcell_model_set_decision_bias(kcell_model* model, const float* bias,
                                                     size_t count);

/**
 * Test-time augmentation: the views of each image whose softmax probabilities prediction
 * and evaluation average before the decision bias (kcell_model_decision_bias()) applies to
 * the mean. Values of kcell_model_tta() and kcell_model_set_tta().
 */
typedef enum kcell_tta {
  KCELL_TTA_NONE = 0,    /**< The image only. */
  KCELL_TTA_FLIPS = 1,   /**< The image and its left-right mirror (2 views). */
  KCELL_TTA_FLIPS4 = 2,  /**< Those and their up-down mirrors (4 views). */
  KCELL_TTA_DIHEDRAL = 3 /**< The 8 flips and quarter turns (square images only). */
} kcell_tta;

/**
 * @brief Tells which test-time augmentation the model's predictions and evaluations use.
 *
 * kcell_train() chooses it from the training augmentation (the largest set whose views
 * training could produce: ::KCELL_TTA_DIHEDRAL for square images with a flip and `rot90`,
 * ::KCELL_TTA_FLIPS4 with both flips, ::KCELL_TTA_FLIPS with `hflip` only, else
 * ::KCELL_TTA_NONE; with an automatic length, cut so that evaluating the validation and
 * test splits costs at most the training did; docs/recipe.md) before fitting the decision
 * bias on it, unless kcell_model_set_tta() set one on this handle. It is saved in model files; a
 * new model, or one loaded from a file from before it existed, has ::KCELL_TTA_NONE. An ensemble's
 * members each use their own; this tells the first member's.
 * @param model The model.
 * @param tta   Receives a ::kcell_tta.
 */
KCELL_API kcell_status kcell_model_tta(const kcell_model* model, int32_t* tta);

/**
 * @brief Sets the test-time augmentation of the model's later predictions and evaluations
 *        (of every member of an ensemble).
 *
 * A later kcell_train() of this handle keeps it (and fits the decision bias under it)
 * instead of choosing one from its augmentation. The decision bias the model has was fitted
 * under the set it had then. Exclusive, like kcell_model_set_class_names(): while another
 * call uses the model it returns ::KCELL_ERROR_BUSY.
 * @param model The model.
 * @param tta   A ::kcell_tta.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for a value that is not a ::kcell_tta, or
 *         ::KCELL_TTA_DIHEDRAL for a model whose input is not square.
 */
KCELL_API kcell_status kcell_model_set_tta(kcell_model* model, int32_t tta);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Prediction
 * Class probabilities for batches of images, in inference mode (batch normalisation uses
 * its running statistics, dropout is off).
 *
 * Predictions run through the model's inference engine: each batch norm that follows a
 * convolution is folded into it and ReLUs and residual adds are fused into the operation
 * before them. This rounds differently from the layer-by-layer arithmetic of training, by
 * about 1e-6 in the probabilities; kcell_evaluate() and the validation inside
 * kcell_train() use the same engine, so predictions and evaluations agree bit for bit.
 * The first call after the weights change (a new, loaded or further trained model)
 * prepares the engine; calls with new image counts or thread counts prepare inference
 * contexts, which later calls reuse. A few images are computed at once, spread over the
 * compute threads; more images are cut into small chunks (a few images each, so that their
 * activations stay in the CPU caches), computed side by side, one chunk per compute
 * thread. The probabilities depend only on the images, the weights, the image count and
 * the thread count.
 *
 * Threads: kcell_predict() and kcell_predict_normalized() may be called on one model from
 * any number of threads at once, also while other threads evaluate, save or calibrate it
 * (kcell_model_calibrate_int8()). The
 * weights are shared read-only and every concurrent call computes with inference contexts
 * of its own, so calls run in parallel, each with the calling thread's compute threads
 * (kcell_set_num_threads()), and each gives bit for bit what it gives when it runs alone
 * with the same thread count. They must not run during kcell_train(),
 * kcell_model_set_class_names() or kcell_model_free() on the same model.
 * @{ */

/** Pixel order of a batch of uint8 images. */
typedef enum kcell_layout {
  KCELL_LAYOUT_NCHW = 0, /**< Image by image, channel planes one after another (C×H×W). */
  KCELL_LAYOUT_NHWC = 1  /**< Image by image, pixels with their channels interleaved (H×W×C). */
} kcell_layout;

/**
 * @brief Predicts class probabilities for @p count uint8 images.
 *
 * The images are normalised with the model's normalisation (learnt in training), as
 * kcell_evaluate() does, so the probabilities match what evaluation computes.
 *
 * @param model         The model.
 * @param images        @p count × channels × height × width bytes in @p layout order, of
 *                      the model's input shape (kcell_model_get_info()).
 * @param count         Number of images; 0 does nothing.
 * @param layout        ::KCELL_LAYOUT_NCHW or ::KCELL_LAYOUT_NHWC.
 * @param probabilities Receives @p count × class-count softmax probabilities, row by row.
 * @param capacity      Floats @p probabilities can hold; ::KCELL_ERROR_BUFFER_TOO_SMALL
 *                      if fewer than @p count × class count.
 */
KCELL_API kcell_status kcell_predict(const kcell_model* model, const uint8_t* images, size_t count,
                                     kcell_layout layout, float* probabilities, size_t capacity);

/**
 * @brief Predicts class probabilities for @p count float images already normalised.
 *
 * @param model         The model.
 * @param images        @p count × channels × height × width floats, N×C×H×W order, already
 *                      normalised as the model expects ((pixel / 255 - mean) / std).
 * @param count         Number of images; 0 does nothing.
 * @param probabilities Receives @p count × class-count softmax probabilities, row by row.
 * @param capacity      Floats @p probabilities can hold; ::KCELL_ERROR_BUFFER_TOO_SMALL
 *                      if fewer than @p count × class count.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT if any input value is NaN or infinite (the
 *         message names the image and element; nothing is written), since the network's
 *         ReLU and max-pooling would turn it into finite, meaningless probabilities.
 */
KCELL_API kcell_status kcell_predict_normalized(const kcell_model* model, const float* images,
                                                size_t count, float* probabilities,
                                                size_t capacity);

/**
 * @brief Sets the arithmetic of later predictions and evaluations with @p model.
 *
 * ::KCELL_PRECISION_FP32 (the default) computes in 32-bit floats. ::KCELL_PRECISION_BF16
 * keeps weights and activations in bfloat16 (products still accumulate in fp32; logits and
 * probabilities are fp32): faster where the CPU has AVX-512 BF16, with probabilities that
 * differ from fp32 ones by up to about 1e-2. ::KCELL_PRECISION_INT8 computes convolutions
 * and dense layers on 8-bit integers (32-bit accumulation) with the activation ranges of
 * kcell_model_calibrate_int8(), which must have run on the current weights; probabilities
 * differ more (docs/performance.md has the accuracy it costs). The setting applies to
 * kcell_predict(), kcell_predict_normalized(), kcell_evaluate() and
 * kcell_evaluate_details(), and to the validation inside kcell_train() for fp32 and bf16;
 * kcell_train() sets an int8 model back to fp32, since it changes the weights the
 * calibration belongs to. Training arithmetic is set by kcell_train_params.precision. The
 * setting is not saved in model files.
 *
 * May be called while other threads predict with @p model: calls already running finish
 * in the previous precision.
 *
 * @param model     The model.
 * @param precision A ::kcell_precision.
 * @return ::KCELL_ERROR_UNSUPPORTED for ::KCELL_PRECISION_BF16 on a CPU without AVX-512
 *         BF16 (or AMX); ::KCELL_ERROR_INVALID_ARGUMENT for ::KCELL_PRECISION_INT8 without
 *         a calibration of the current weights, and for a value that is no
 *         ::kcell_precision.
 */
KCELL_API kcell_status kcell_model_set_inference_precision(kcell_model* model,
                                                           kcell_precision precision);

/**
 * @brief Calibrates 8-bit integer inference (::KCELL_PRECISION_INT8) of @p model.
 *
 * Runs the model in fp32 on the first @p max_images images of @p split and records the
 * range every activation takes; int8 inference then maps each activation's range onto 8
 * bits (unsigned where it never went negative) and each convolution's and dense layer's
 * weights onto 8 bits per output channel. Calibrate on images like those the model will
 * see: the validation split, a few thousand images, is a good choice. A new calibration
 * replaces the previous one; training the model (or loading other weights into it) makes
 * it stale. The calibration is not saved in model files.
 *
 * May run while other threads predict with, evaluate, save or calibrate @p model (calls
 * already running finish with the calibration they started with; of two calibrations at
 * once, the one that finishes last stays), but not during kcell_train(),
 * kcell_model_set_class_names() or kcell_model_free() on it.
 *
 * @param model      The model.
 * @param dataset    Images of the model's input shape.
 * @param split      The split to read (labels are not used).
 * @param max_images At most this many images from the start of the split; 0 for all.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for NULL arguments, an unknown, absent or empty
 *         split, images of another shape than the model's input, or a model that computes
 *         non-finite values on them.
 */
KCELL_API kcell_status kcell_model_calibrate_int8(kcell_model* model, const kcell_dataset* dataset,
                                                  kcell_split split, size_t max_images);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Calibration and uncertainty
 * Probabilities that mean what they say, and sets of plausible classes with a coverage
 * guarantee (docs/calibration.md).
 *
 * A calibrated model's probabilities are softmax(z / T + b): z the logits after test-time
 * augmentation (the logarithm of the views' mean probabilities), T its temperature
 * (kcell_model_temperature()), b its decision bias (kcell_model_decision_bias()).
 * kcell_model_calibrate() fits T on a labelled split by minimising the negative
 * log-likelihood (refitting a validation-fitted bias with it) and, given an alpha, the
 * split-conformal quantile of the LAC score 1 - p[label]: the prediction set of an image is
 * every class c with 1 - p[c] <= quantile (kcell_prediction_sets()), which holds the true
 * class with probability at least 1 - alpha on images exchangeable with the calibration
 * split. Both are saved in model files and applied by prediction and evaluation.
 *
 * Threads: kcell_model_calibrate() and kcell_model_set_temperature() change the model and
 * are exclusive (::KCELL_ERROR_BUSY while another call uses it); the others only read it.
 * Ensembles: their members' temperatures apply to each member's probabilities before the
 * mean; ensembles cannot be calibrated and have no prediction sets.
 * @{ */

/** Confidence bins of kcell_calibration (equal width on [0, 1]). */
#define KCELL_CALIBRATION_BINS 15
/** Points of kcell_calibration's risk-coverage curve: coverage 1/20, 2/20, ..., 1. */
#define KCELL_RISK_COVERAGE_POINTS 20

/** One bin of the reliability diagram: images whose confidence lies in ((b-1)/15, b/15]. */
typedef struct kcell_reliability_bin {
  int64_t count;     /**< Images in the bin. */
  double confidence; /**< Their mean top-label probability (0 for an empty bin). */
  double accuracy;   /**< The share of them classified correctly (0 for an empty bin). */
} kcell_reliability_bin;

/** Answering only the most confident images (abstaining on the rest). */
typedef struct kcell_risk_coverage_point {
  double coverage;  /**< The share of images answered. */
  double accuracy;  /**< Accuracy on the answered images. */
  double threshold; /**< The smallest top-label probability answered. */
} kcell_risk_coverage_point;

/** Calibration of probabilities on labelled images. */
typedef struct kcell_calibration {
  size_t struct_size;   /**< sizeof(kcell_calibration); set it before calling. */
  size_t count;         /**< Images. */
  double ece;           /**< As kcell_metrics::ece. */
  double classwise_ece; /**< As kcell_metrics::classwise_ece. */
  double nll;           /**< As kcell_metrics::nll. */
  double brier;         /**< As kcell_metrics::brier. */
  double aurc;          /**< Area under the risk-coverage curve: the mean over m = 1..count
                             of the error rate of the m most confident images. */
  kcell_reliability_bin bins[KCELL_CALIBRATION_BINS]; /**< The reliability diagram. */
  kcell_risk_coverage_point risk_coverage[KCELL_RISK_COVERAGE_POINTS]; /**< Abstention. */
  double temperature;             /**< The model's temperature (1 for bare probabilities). */
  double conformal_alpha;         /**< The model's conformal alpha; NaN without one (then the
                                       conformal fields below are NaN or 0). */
  double conformal_coverage;      /**< Share of images whose prediction set holds the label. */
  double conformal_mean_set_size; /**< Mean classes per prediction set. */
  int64_t conformal_empty_sets;   /**< Images with an empty prediction set. */
} kcell_calibration;

/** What kcell_model_calibrate() fitted, measured on the split it fitted on. */
typedef struct kcell_calibration_fit {
  size_t struct_size;        /**< sizeof(kcell_calibration_fit); set it before calling. */
  size_t count;              /**< Images of the split. */
  double temperature_before; /**< The model's temperature before. */
  double temperature;        /**< The fitted temperature. */
  double nll_before;         /**< Negative log-likelihood before. */
  double nll;                /**< And after. */
  double ece_before;         /**< Top-label ECE before. */
  double ece;                /**< And after. */
  int bias_refitted;         /**< 1 when the decision bias was refitted with the temperature. */
  double conformal_quantile; /**< The LAC quantile (+infinity: too few images for alpha,
                                  every class in every set); NaN without an alpha. */
} kcell_calibration_fit;

/**
 * @brief Calibration metrics of @p count rows of probabilities against their labels.
 *
 * @param probabilities @p count × @p num_classes probabilities, row by row (finite).
 * @param labels        @p count labels in [0, @p num_classes).
 * @param count         Rows, at least 1.
 * @param num_classes   Classes, 2 to 4096.
 * @param calibration   Receives the metrics (temperature 1, no conformal fields); set its
 *                      `struct_size` first.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for NULL pointers, no rows, a class count out of
 *         range or a label out of range; ::KCELL_ERROR_NOT_FINITE for a non-finite probability.
 */
KCELL_API kcell_status kcell_calibration_metrics(const float* probabilities, const int32_t* labels,
                                                 size_t count, int num_classes,
                                                 kcell_calibration* calibration);

/**
 * @brief Evaluates how well calibrated @p model's probabilities are on one labelled split,
 *        with its conformal prediction sets' coverage when it has a conformal calibration.
 *
 * @param model          The model (an ensemble has no conformal fields).
 * @param dataset        The dataset.
 * @param split          A labelled split of it (the test split, for honest numbers).
 * @param calibration    Receives the metrics; set its `struct_size` first.
 * @param class_coverage NULL, or receives per true class the share of its images whose set
 *                       holds the label (NaN for an absent class, or without calibration).
 * @param class_capacity Doubles @p class_coverage holds; ::KCELL_ERROR_BUFFER_TOO_SMALL if
 *                       fewer than the class count.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for more than 4096 classes, or as kcell_evaluate().
 */
KCELL_API kcell_status kcell_evaluate_calibration(const kcell_model* model,
                                                  const kcell_dataset* dataset, kcell_split split,
                                                  kcell_calibration* calibration,
                                                  double* class_coverage, size_t class_capacity);

/**
 * @brief Everything kcell_evaluate_details() and kcell_evaluate_calibration() report about
 *        one labelled split, from one pass over it.
 *
 * The two calls each compute every probability of the split, which under test-time
 * augmentation (kcell_model_tta()) is most of their time; this one computes them once.
 * The outputs and their rules are those of the two calls; NULL leaves an output out.
 * Nothing is written unless every given buffer is large enough and evaluation succeeds.
 *
 * @param model              The model (inference only; weights are not changed).
 * @param dataset            The dataset.
 * @param split              A labelled split of it.
 * @param metrics            Receives the summary metrics; set its `struct_size` first.
 * @param per_class          NULL, or one record per class (as kcell_evaluate_details()).
 * @param per_class_capacity Records @p per_class can hold.
 * @param confusion          NULL, or the k × k confusion matrix (NULL for a multi-label model).
 * @param confusion_capacity Counts @p confusion can hold.
 * @param calibration        NULL, or receives the calibration metrics as
 *                           kcell_evaluate_calibration() gives them (NULL for a multi-label
 *                           model: ::KCELL_ERROR_INVALID_ARGUMENT otherwise); set its
 *                           `struct_size` first.
 * @param class_coverage     NULL, or per true class the conformal coverage (NaN without).
 * @param class_capacity     Doubles @p class_coverage holds.
 * @return ::KCELL_ERROR_BUFFER_TOO_SMALL for a buffer smaller than the class count needs;
 *         otherwise as kcell_evaluate_details().
 */
KCELL_API kcell_status kcell_evaluate_full(const kcell_model* model, const kcell_dataset* dataset,
                                           kcell_split split, kcell_metrics* metrics,
                                           kcell_class_metrics* per_class,
                                           size_t per_class_capacity, uint64_t* confusion,
                                           size_t confusion_capacity,
                                           kcell_calibration* calibration, double* class_coverage,
                                           size_t class_capacity);

/**
 * @brief Fits @p model's temperature (and, with @p alpha, its conformal prediction sets)
 *        on a labelled split: the validation split, never the test split you report.
 *
 * The temperature minimises the split's negative log-likelihood of softmax(z / T + b)
 * (a convex problem in 1/T). A decision bias that training fitted on validation
 * (::KCELL_DECISION_VALIDATION_PRIORS or ::KCELL_DECISION_BALANCED) is refitted jointly
 * with it; a bias set by the user is kept as it is. With @p alpha in (0, 1) the LAC
 * quantile is then taken of the calibrated probabilities; with 0 the model's conformal
 * calibration is removed. kcell_train() resets both (temperature 1, no sets).
 *
 * @param model   A single model (not an ensemble).
 * @param dataset The dataset.
 * @param split   A labelled split of it.
 * @param alpha   Miscoverage in (0, 1), e.g. 0.1 for 90 % sets; 0 for none.
 * @param fit     NULL, or receives what was fitted; set its `struct_size` first.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for an ensemble, an alpha outside [0, 1), or a
 *         split that is absent, unlabelled or of another shape; ::KCELL_ERROR_NOT_FINITE
 *         when the model gives non-finite logits; ::KCELL_ERROR_BUSY as above. On failure
 *         the model is unchanged.
 */
KCELL_API kcell_status kcell_model_calibrate(kcell_model* model, const kcell_dataset* dataset,
                                             kcell_split split, double alpha,
                                             kcell_calibration_fit* fit);

/**
 * @brief Tells the model's temperature: 1 until calibrated (and for files from before it).
 * @param model       The model (an ensemble tells its first member's).
 * @param temperature Receives it.
 */
KCELL_API kcell_status kcell_model_temperature(const kcell_model* model, double* temperature);

/**
 * @brief Sets the model's temperature (of every member of an ensemble).
 *
 * The decision bias and the conformal quantile stay as they are, though they were fitted
 * under the previous temperature; kcell_model_calibrate() refits them together.
 * @param model       The model.
 * @param temperature In [0.01, 100].
 * @return ::KCELL_ERROR_INVALID_ARGUMENT outside that range; ::KCELL_ERROR_BUSY as above.
 */
KCELL_API kcell_status kcell_model_set_temperature(kcell_model* model, double temperature);

/**
 * @brief Tells the model's conformal calibration.
 * @param model    The model.
 * @param alpha    Receives its alpha, or 0 when it has none (an ensemble has none).
 * @param quantile Receives its LAC quantile (a class is in an image's set when
 *                 1 - p[class] <= quantile; +infinity: every class), or NaN without one.
 */
KCELL_API kcell_status kcell_model_conformal(const kcell_model* model, double* alpha,
                                             double* quantile);

/**
 * @brief Prediction sets from probabilities that kcell_predict() gave for @p model.
 *
 * Costs nothing in prediction itself: call it only when sets are wanted.
 *
 * @param model         A model with a conformal calibration (kcell_model_calibrate() with
 *                      an alpha).
 * @param probabilities @p count × class-count probabilities of the model.
 * @param count         Images; 0 does nothing.
 * @param in_set        Receives @p count × class-count flags row by row: 1 when the class
 *                      is in the image's set, else 0. A set may be empty (no class is
 *                      plausible enough) or hold several classes (the model is unsure).
 * @param capacity      Bytes @p in_set holds; ::KCELL_ERROR_BUFFER_TOO_SMALL if fewer than
 *                      @p count × class count.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for a model without a conformal calibration or
 *         NULL pointers.
 */
KCELL_API kcell_status kcell_prediction_sets(const kcell_model* model, const float* probabilities,
                                             size_t count, uint8_t* in_set, size_t capacity);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Saliency
 * Where in an image a model found the evidence for a class (docs/calibration.md):
 * Grad-CAM at the last convolutional block, or the gradient of the class logit with
 * respect to the input. Both come from the backward pass training uses, run in inference
 * mode (running batch-norm statistics, no dropout) on the network's own logits: one view
 * of the image, before temperature and decision bias.
 *
 * Threads: as kcell_predict(). kcell_explain() may be called on one model from any number
 * of threads at once, also while other threads predict with, evaluate, save or calibrate
 * it for int8; every call computes on a private copy of the network. It must not run during
 * kcell_train(), kcell_model_set_class_names() or kcell_model_free() on the same model (a
 * free is deferred until the call returns; the others return ::KCELL_ERROR_BUSY).
 * @{ */

/** What kcell_explain() computes. */
typedef enum kcell_saliency {
  /** Grad-CAM (Selvaraju et al. 2017): ReLU(sum_k a_k A_k), A_k the k-th feature map of the
   * chosen layer and a_k the mean over positions of d logit / d A_k, resized bilinearly to
   * the input size. In logit units, not normalised. */
  KCELL_SALIENCY_GRADCAM = 0,
  /** The largest over channels of |d logit / d x| at each pixel, x the normalised input
   * (Simonyan et al. 2014). */
  KCELL_SALIENCY_INPUT_GRADIENT = 1
} kcell_saliency;

/** Options of kcell_explain(). Fill with kcell_explain_options_default() first. */
typedef struct kcell_explain_options {
  size_t struct_size; /**< sizeof(kcell_explain_options), set by the default function. */
  int32_t method;     /**< A ::kcell_saliency; ::KCELL_SALIENCY_GRADCAM by default. */
  int32_t layer;      /**< Grad-CAM's layer, an index into the architecture whose output has
                           feature maps; -1 (the default) for the last convolution or
                           residual block, after the batch norm and ReLU that follow it. */
} kcell_explain_options;

/**
 * @brief Fills the first @p struct_size bytes of @p options with the defaults: Grad-CAM at
 *        the last convolutional block.
 * @param options     The struct to fill.
 * @param struct_size Its size in bytes; at least sizeof(size_t).
 */
KCELL_API kcell_status kcell_explain_options_init(kcell_explain_options* options,
                                                  size_t struct_size);

/**
 * @brief Fills @p options with the defaults (kcell_explain_options_init() with this
 *        header's size).
 * @param options The struct to fill.
 */
static inline kcell_status kcell_explain_options_default(kcell_explain_options* options) {
  return kcell_explain_options_init(options, sizeof *options);
}

/**
 * @brief Saliency maps of @p count uint8 images for one class or for each image's
 *        predicted class.
 *
 * @param model        A single model (not an ensemble: explain its members).
 * @param images       @p count × channels × height × width bytes in @p layout order, of the
 *                     model's input shape, as for kcell_predict().
 * @param count        Number of images; 0 does nothing.
 * @param layout       ::KCELL_LAYOUT_NCHW or ::KCELL_LAYOUT_NHWC.
 * @param target_class The class to explain, or -1 for each image's predicted class (the
 *                     argmax of kcell_predict()'s probabilities).
 * @param options      NULL for the defaults, or options filled by
 *                     kcell_explain_options_default().
 * @param maps         Receives @p count maps of height × width floats (>= 0), row by row.
 * @param capacity     Floats @p maps holds; ::KCELL_ERROR_BUFFER_TOO_SMALL if fewer than
 *                     @p count × height × width.
 * @param classes      NULL, or receives the @p count classes explained.
 * @return ::KCELL_ERROR_INVALID_ARGUMENT for NULL pointers, an unknown layout or method, a
 *         class outside [-1, class count), a layer that does not exist or has a flat
 *         output, or an ensemble; ::KCELL_ERROR_UNSUPPORTED for Grad-CAM on a network
 *         without convolutions; ::KCELL_ERROR_NOT_FINITE when the model computes non-finite
 *         logits or gradients (its weights are not finite). On failure @p maps is
 *         unspecified.
 */
KCELL_API kcell_status kcell_explain(const kcell_model* model, const uint8_t* images, size_t count,
                                     kcell_layout layout, int32_t target_class,
                                     const kcell_explain_options* options, float* maps,
                                     size_t capacity, int32_t* classes);

/** @} */

/* ------------------------------------------------------------------------------------ */
/** @name Output files
 * The rules every file kcell writes follows (models, checkpoints, and the kcell program's
 * JSON, CSV, HTML and tables), offered to callers that write files of their own so that
 * theirs follow the same ones. Writing goes to a temporary file in the target's folder,
 * created exclusively (`O_EXCL`, never following a link, a name unique to the process and
 * call that fits 255 bytes), flushed and renamed over the target; a replaced file keeps
 * its permissions. A target that exists and is not a regular file (a folder, a device, a
 * FIFO, a socket, a symbolic link; so also `/dev/stdout` and `/dev/null`) is refused, never
 * replaced or written through: writing to standard output is the caller's own business
 * (the kcell program takes `-` for it).
 * @{ */

/**
 * @brief Writes @p size bytes to the file @p path atomically, by the rules above.
 *
 * @param path File to write; its folder must exist.
 * @param data The bytes (may be NULL when @p size is 0).
 * @param size Their number.
 * @return ::KCELL_ERROR_IO (the message names the path and the reason; the previous
 *         file, if any, is unchanged); ::KCELL_ERROR_INVALID_ARGUMENT for NULL or "".
 */
KCELL_API kcell_status kcell_write_file(const char* path, const void* data, size_t size);

/**
 * @brief Checks before any work that @p path can be written and is none of the inputs.
 *
 * Fails if the file name is empty or longer than 255 bytes, its folder does not exist or
 * is not writable, or the target exists and is not a regular file. Fails too if any of
 * @p inputs names the same file (same device and inode, or the same path once links are
 * resolved), so that a run never destroys what it reads.
 *
 * @param path   The output file.
 * @param inputs Files the run will read; NULL entries and "" are skipped. May be NULL when
 *               @p count is 0.
 * @param count  Entries in @p inputs.
 * @return ::KCELL_ERROR_IO for a path that cannot be written (one line naming the path and
 *         the reason); ::KCELL_ERROR_INVALID_ARGUMENT for NULL, "" or an output that is an input.
 */
KCELL_API kcell_status kcell_check_output(const char* path, const char* const* inputs,
                                          size_t count);

/** @} */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KCELL_KCELL_H */
