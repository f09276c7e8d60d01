"""The ctypes mirrors match the header exactly, and the bindings cover the whole C API.

The sizes and offsets come from a C program compiled against kcell.h (KCELL_TEST_STRUCT_
LAYOUT); a field appended to the header changes its struct's size and fails here until the
mirror in kcell/_structs.py gets its line."""
import ctypes
import dataclasses
import os
import re

import pytest
from conftest import BINDINGS, HEADER, helper_program, run

import kcell
from kcell import _library, _structs
from kcell.records import RECORD_MIRRORS


def read(path):
    with open(path) as f:
        return f.read()


@pytest.fixture(scope="module")
def c_layout():
    sizes, fields, values = {}, {}, {}
    for line in run([helper_program("KCELL_TEST_STRUCT_LAYOUT")]).splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[1] == "sizeof":
            sizes[parts[0]] = (int(parts[2]), int(parts[4]))
        elif len(parts) == 3 and "." in parts[0]:
            struct, field = parts[0].split(".")
            fields.setdefault(struct, []).append((field, int(parts[1]), int(parts[2])))
        else:
            values[" ".join(parts[:-1])] = int(parts[-1])
    return sizes, fields, values


@pytest.mark.parametrize("mirror", _structs.ALL_MIRRORS, ids=lambda m: m._c_name_)
def test_each_mirror_has_the_size_alignment_and_offsets_of_the_c_struct(mirror, c_layout):
    sizes, fields, _ = c_layout
    name = mirror._c_name_
    assert name in sizes, f"struct_layout.c does not print {name}"
    assert (ctypes.sizeof(mirror), ctypes.alignment(mirror)) == sizes[name], \
        f"{name}: ctypes (sizeof, alignof) differs from C; update kcell/_structs.py"
    ours = [(f, getattr(mirror, f).offset, getattr(mirror, f).size)
            for f in _structs.field_names(mirror)]
    assert ours == fields[name]


def test_every_c_struct_printed_has_a_mirror(c_layout):
    sizes, _, _ = c_layout
    assert set(sizes) == {m._c_name_ for m in _structs.ALL_MIRRORS}


def test_every_struct_in_the_header_is_mirrored():
    text = read(HEADER)
    declared = set(re.findall(r"typedef struct (kcell_\w+) \{", text))
    assert declared == {m._c_name_ for m in _structs.ALL_MIRRORS}


def test_enums_are_int_sized_and_the_header_major_version_is_the_mirrored_abi(c_layout):
    _, _, values = c_layout
    assert values["enum sizeof"] == ctypes.sizeof(_structs.c_enum)
    assert values["KCELL_VERSION_NUMBER"] // 10000 == _library.ABI_MAJOR
    if _library.ABI_MAJOR == 0:
        assert values["KCELL_VERSION_NUMBER"] // 100 % 100 == _library.ABI_MINOR


def test_result_records_have_the_fields_of_their_c_structs():
    for record, mirror in RECORD_MIRRORS.items():
        names = [f for f in _structs.field_names(mirror) if f != "struct_size"]
        assert [f.name for f in dataclasses.fields(record)] == names, record.__name__


def test_train_params_expose_every_field_of_the_c_struct():
    names = [f for f in _structs.field_names(_structs.TrainParamsC)
             if f not in ("struct_size", "progress", "progress_user_data", "communicator",
                          "sync_batch_norm")]
    assert kcell.TrainParams.field_names() == names


def header_functions():
    """(name, parameter count) of every KCELL_API function in kcell.h."""
    text = read(HEADER)
    found = {}
    for m in re.finditer(r"KCELL_API\s+[\w\s\*]+?\b(kcell_\w+)\s*\(([^)]*)\)", text):
        params = m.group(2).strip()
        found[m.group(1)] = 0 if params in ("", "void") else params.count(",") + 1
    return found


def test_every_exported_function_has_a_prototype_with_its_parameter_count():
    declared = header_functions()
    assert len(declared) > 30
    assert set(declared) == set(_library.PROTOTYPES), \
        "kcell.h and kcell/_library.py PROTOTYPES list different functions"
    for name, count in declared.items():
        assert len(_library.PROTOTYPES[name].argtypes) == count, name


def test_every_function_is_used_by_the_package():
    package = os.path.join(BINDINGS, "kcell")
    source = ""
    for file in os.listdir(package):
        if file.endswith(".py") and file != "_library.py":
            source += read(os.path.join(package, file))
    unused = [name for name in _library.PROTOTYPES if f".{name}(" not in source
              and f".{name}," not in source and f".{name})" not in source]
    assert unused == []


def test_every_function_resolves_in_the_built_library():
    library = _library.lib()
    for name in _library.PROTOTYPES:
        assert callable(getattr(library, name))
        assert not isinstance(getattr(library, name), _library._Missing), name


def test_library_fills_train_params_with_the_size_the_bindings_pass():
    params = _structs.TrainParamsC()
    _library.lib().kcell_train_params_init(ctypes.byref(params), ctypes.sizeof(params))
    assert params.struct_size == ctypes.sizeof(params)
    assert params.epochs == 0 and params.batch_size == 128  # 0: automatic length
    assert params.augmentation  # the recipe's flips and quarter turns, library-owned
    augmentation = _structs.Augmentation()
    _library.lib().kcell_augmentation_init(ctypes.byref(augmentation),
                                           ctypes.sizeof(augmentation))
    assert augmentation.struct_size == ctypes.sizeof(augmentation)
    assert augmentation.erase_max_area == 0.25
