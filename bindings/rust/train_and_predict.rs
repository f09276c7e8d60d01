//! Calls kcell's C ABI from Rust with nothing but the standard library: the functions are
//! declared by hand (`extern "C"`), the structs mirrored with `#[repr(C)]`, and the program
//! links against libkcell.so. It opens a dataset, trains a small network for a few epochs
//! with a progress callback, predicts the test split and checks the answers against
//! kcell_evaluate, round-trips the model through memory, and checks an error's status and
//! message.
//!
//! usage: kcell_rust_example DATASET.npz
//! Built by CMake with Debian's rustc (see bindings/rust/CMakeLists.txt and
//! docs/other-languages.md).

use std::ffi::{c_void, CStr, CString};
use std::os::raw::{c_char, c_double, c_int};
use std::process::exit;
use std::ptr;

// ---- the part of kcell.h this program uses ----------------------------------------------

type Status = c_int; // kcell_status: C enums are int-sized
const KCELL_OK: Status = 0;
const KCELL_ERROR_SPEC: Status = 10;
const KCELL_SPLIT_TRAIN: c_int = 0;
const KCELL_SPLIT_TEST: c_int = 2;
const KCELL_LAYOUT_NCHW: c_int = 0;

// Opaque handles: zero-sized types only ever used behind pointers.
#[repr(C)]
struct Dataset {
    _private: [u8; 0],
}
#[repr(C)]
struct Model {
    _private: [u8; 0],
}

// kcell_augmentation, passed by pointer (kcell_train_params.augmentation) so it can grow.
#[repr(C)]
#[derive(Default)]
struct Augmentation {
    struct_size: usize,
    hflip: c_double,
    vflip: c_double,
    rot90: c_double,
    rotate: c_double,
    rotate_degrees: c_double,
    shift: i32,
    brightness: c_double,
    contrast: c_double,
    erase: c_double,
    erase_max_area: c_double,
}

#[repr(C)]
struct Progress {
    epoch: c_int,
    epochs: c_int,
    batch: usize,
    batches: usize,
    loss: c_double,
    accuracy: c_double,
    seconds: c_double,
    phase: c_int,
    val_loss: c_double,
    val_accuracy: c_double,
}

type ProgressFn = Option<unsafe extern "C" fn(*const Progress, *mut c_void) -> c_int>;

// kcell_train_params as of kcell 0.1. A newer 0.1.x header may append fields; this program
// keeps working because it passes its own struct_size and the library uses defaults for the
// rest. (Another 0.MINOR may change layouts: its libkcell.so.0.MINOR is another library.)
#[repr(C)]
struct TrainParams {
    struct_size: usize,
    epochs: c_int,
    batch_size: c_int,
    optimizer: i32, // a kcell_optimizer: struct fields are fixed-width, never enum-typed
    learning_rate: c_double,
    momentum: c_double,
    nesterov: c_int,
    beta1: c_double,
    beta2: c_double,
    epsilon: c_double,
    weight_decay: c_double,
    decay_bias_and_norm: c_int,
    schedule: i32,
    warmup_epochs: c_double,
    class_weights: *const f32,
    label_smoothing: c_double,
    seed: u64,
    num_threads: c_int,
    progress: ProgressFn,
    progress_user_data: *mut c_void,
    monitor: i32,
    patience: c_int,
    min_delta: c_double,
    auto_class_weights: c_int,
    balanced_sampler: c_int,
    augmentation: *const Augmentation,
    checkpoint_path: *const c_char,
    resume: c_int,
    precision: i32,
}

#[repr(C)]
#[derive(Default)]
struct Metrics {
    struct_size: usize,
    count: usize,
    loss: c_double,
    accuracy: c_double,
    balanced_accuracy: c_double,
    auc: c_double,
}

#[link(name = "kcell")]
extern "C" {
    fn kcell_version() -> *const c_char;
    fn kcell_last_error() -> *const c_char;
    fn kcell_status_string(status: Status) -> *const c_char;
    fn kcell_set_num_threads(threads: c_int) -> Status;
    fn kcell_dataset_open(path: *const c_char, options: *const c_void,
                          out: *mut *mut Dataset) -> Status;
    fn kcell_dataset_free(dataset: *mut Dataset);
    fn kcell_dataset_count(dataset: *const Dataset, split: c_int, count: *mut usize) -> Status;
    fn kcell_dataset_shape(dataset: *const Dataset, channels: *mut c_int, height: *mut c_int,
                           width: *mut c_int) -> Status;
    fn kcell_dataset_num_classes(dataset: *const Dataset, num_classes: *mut c_int) -> Status;
    fn kcell_dataset_image(dataset: *const Dataset, split: c_int, index: usize,
                           pixels: *mut u8, capacity: usize, label: *mut i32) -> Status;
    fn kcell_model_create(architecture: *const c_char, channels: c_int, height: c_int,
                          width: c_int, num_classes: c_int, seed: u64,
                          out: *mut *mut Model) -> Status;
    fn kcell_model_free(model: *mut Model);
    fn kcell_train_params_init(params: *mut TrainParams, struct_size: usize) -> Status;
    fn kcell_augmentation_init(augmentation: *mut Augmentation, struct_size: usize) -> Status;
    fn kcell_train(model: *mut Model, train: *const Dataset, val: *const Dataset,
                   params: *const TrainParams, history: *mut c_void) -> Status;
    fn kcell_evaluate(model: *const Model, dataset: *const Dataset, split: c_int,
                      metrics: *mut Metrics) -> Status;
    fn kcell_predict(model: *const Model, images: *const u8, count: usize, layout: c_int,
                     probabilities: *mut f32, capacity: usize) -> Status;
    fn kcell_model_save_to_memory(model: *const Model, data: *mut *mut c_void,
                                  size: *mut usize) -> Status;
    fn kcell_model_load_from_memory(data: *const c_void, size: usize,
                                    out: *mut *mut Model) -> Status;
    fn kcell_free(memory: *mut c_void);
}

// ---- a little safety on top ---------------------------------------------------------------

fn text(p: *const c_char) -> String {
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Exits with the library's message unless `status` is KCELL_OK. kcell_last_error() is
/// per thread and valid until the next kcell call on it, so it is read right away.
fn check(status: Status, what: &str) {
    if status != KCELL_OK {
        eprintln!("{} failed: {} ({})", what, text(unsafe { kcell_last_error() }),
                  text(unsafe { kcell_status_string(status) }));
        exit(1);
    }
}

fn expect(condition: bool, message: &str) {
    if !condition {
        eprintln!("check failed: {}", message);
        exit(1);
    }
}

/// Owns a model handle; kcell_model_free runs exactly once, when it goes out of scope.
struct OwnedModel(*mut Model);
impl Drop for OwnedModel {
    fn drop(&mut self) {
        unsafe { kcell_model_free(self.0) }
    }
}

struct OwnedDataset(*mut Dataset);
impl Drop for OwnedDataset {
    fn drop(&mut self) {
        unsafe { kcell_dataset_free(self.0) }
    }
}

/// What the progress callback records, reached through progress_user_data.
#[derive(Default)]
struct Seen {
    calls: usize,
    last_epoch: c_int,
}

unsafe extern "C" fn on_progress(progress: *const Progress, user_data: *mut c_void) -> c_int {
    let seen = &mut *(user_data as *mut Seen);
    let p = &*progress;
    seen.calls += 1;
    seen.last_epoch = p.epoch;
    if p.phase == 1 {
        println!("epoch {}/{}: loss {:.4} accuracy {:.3}", p.epoch + 1, p.epochs, p.loss,
                 p.accuracy);
    }
    0 // go on; anything else cancels training
}

fn predict(model: &OwnedModel, images: &[u8], count: usize, classes: usize) -> Vec<f32> {
    let mut probs = vec![0f32; count * classes];
    check(unsafe {
        kcell_predict(model.0, images.as_ptr(), count, KCELL_LAYOUT_NCHW, probs.as_mut_ptr(),
                      probs.len())
    }, "kcell_predict");
    probs
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: {} DATASET.npz", args[0]);
        exit(2);
    }
    println!("kcell {}", text(unsafe { kcell_version() }));
    check(unsafe { kcell_set_num_threads(1) }, "kcell_set_num_threads");

    // A failure: the status says what kind, kcell_last_error() the details.
    let bad_spec = CString::new("conv(4,3 relu").unwrap();
    let mut none: *mut Model = ptr::null_mut();
    let status = unsafe { kcell_model_create(bad_spec.as_ptr(), 1, 8, 8, 3, 1, &mut none) };
    expect(status == KCELL_ERROR_SPEC, "a broken spec gives KCELL_ERROR_SPEC");
    let message = text(unsafe { kcell_last_error() });
    expect(message.contains("conv"), "the message names the token");
    expect(none.is_null(), "out-parameters are left alone on failure");
    println!("bad spec rejected: {}", message);

    let path = CString::new(args[1].clone()).unwrap();
    let mut raw_data: *mut Dataset = ptr::null_mut();
    check(unsafe { kcell_dataset_open(path.as_ptr(), ptr::null(), &mut raw_data) },
          "kcell_dataset_open");
    let data = OwnedDataset(raw_data);
    let (mut c, mut h, mut w, mut k) = (0, 0, 0, 0);
    check(unsafe { kcell_dataset_shape(data.0, &mut c, &mut h, &mut w) }, "kcell_dataset_shape");
    check(unsafe { kcell_dataset_num_classes(data.0, &mut k) }, "kcell_dataset_num_classes");
    let (mut n_train, mut n_test) = (0usize, 0usize);
    check(unsafe { kcell_dataset_count(data.0, KCELL_SPLIT_TRAIN, &mut n_train) }, "count");
    check(unsafe { kcell_dataset_count(data.0, KCELL_SPLIT_TEST, &mut n_test) }, "count");
    println!("dataset: {}x{}x{}, {} classes, {} train, {} test", c, h, w, k, n_train, n_test);

    let spec = CString::new("conv(4,3) relu flatten dense").unwrap();
    let mut raw_model: *mut Model = ptr::null_mut();
    check(unsafe { kcell_model_create(spec.as_ptr(), c, h, w, k, 7, &mut raw_model) },
          "kcell_model_create");
    let model = OwnedModel(raw_model);

    // Defaults first, with the size of the struct this program knows; then our changes.
    let mut params: TrainParams = unsafe { std::mem::zeroed() };
    check(unsafe { kcell_train_params_init(&mut params, std::mem::size_of::<TrainParams>()) },
          "kcell_train_params_init");
    let epochs = 3;
    params.epochs = epochs;
    params.batch_size = 4;
    params.learning_rate = 0.01;
    params.num_threads = 1;
    let mut augmentation = Augmentation::default();
    check(unsafe {
        kcell_augmentation_init(&mut augmentation, std::mem::size_of::<Augmentation>())
    }, "kcell_augmentation_init");
    augmentation.hflip = 0.5;
    params.augmentation = &augmentation;
    let mut seen = Seen::default();
    params.progress = Some(on_progress);
    params.progress_user_data = &mut seen as *mut Seen as *mut c_void;
    check(unsafe { kcell_train(model.0, data.0, data.0, &params, ptr::null_mut()) },
          "kcell_train");
    expect(seen.calls >= (epochs as usize) * ((n_train + 3) / 4), "a callback per batch");
    expect(seen.last_epoch == epochs - 1, "the callback saw the last epoch");

    // Predict the test split and compare with kcell_evaluate's accuracy.
    let pixels = (c * h * w) as usize;
    let classes = k as usize;
    let mut images = vec![0u8; n_test * pixels];
    let mut labels = vec![0i32; n_test];
    for i in 0..n_test {
        check(unsafe {
            kcell_dataset_image(data.0, KCELL_SPLIT_TEST, i, images[i * pixels..].as_mut_ptr(),
                                pixels, &mut labels[i])
        }, "kcell_dataset_image");
    }
    let probs = predict(&model, &images, n_test, classes);
    let mut correct = 0;
    for (i, row) in probs.chunks(classes).enumerate() {
        let sum: f32 = row.iter().sum();
        expect((sum - 1.0).abs() < 1e-5, "each row of probabilities sums to 1");
        let best = (0..classes).fold(0, |b, j| if row[j] > row[b] { j } else { b });
        if best as i32 == labels[i] {
            correct += 1;
        }
    }
    let mut metrics = Metrics { struct_size: std::mem::size_of::<Metrics>(), ..Default::default() };
    check(unsafe { kcell_evaluate(model.0, data.0, KCELL_SPLIT_TEST, &mut metrics) },
          "kcell_evaluate");
    let accuracy = correct as f64 / n_test as f64;
    expect(metrics.count == n_test, "evaluate counted the test split");
    expect(metrics.accuracy == accuracy, "predictions agree with kcell_evaluate's accuracy");
    println!("test: accuracy {:.3} (kcell_evaluate {:.3}), loss {:.4}", accuracy,
             metrics.accuracy, metrics.loss);

    // Memory kcell allocates for the caller goes back through kcell_free, not Rust's free.
    let mut bytes: *mut c_void = ptr::null_mut();
    let mut size = 0usize;
    check(unsafe { kcell_model_save_to_memory(model.0, &mut bytes, &mut size) },
          "kcell_model_save_to_memory");
    let mut raw_copy: *mut Model = ptr::null_mut();
    let status = unsafe { kcell_model_load_from_memory(bytes, size, &mut raw_copy) };
    unsafe { kcell_free(bytes) };
    check(status, "kcell_model_load_from_memory");
    let copy = OwnedModel(raw_copy);
    expect(predict(&copy, &images, n_test, classes) == probs,
           "the reloaded model predicts the same probabilities");
    println!("model file: {} bytes, reloaded predictions identical", size);
    println!("rust: all checks passed");
}
