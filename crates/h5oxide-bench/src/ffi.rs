//! The HDF5 C library calls the harness makes, each wrapped in a small safe function.
//!
//! Every `unsafe` block of the crate is here. A negative return code ends the run with the
//! call's name: a benchmark that silently skips a failed call would report nonsense.
//! Identifiers are owned by [`Id`], which releases them on drop.

use std::ffi::{c_char, c_uint, c_void, CStr, CString};
use std::ptr;

use hdf5_metno_sys::h5::{herr_t, hsize_t, H5_index_t, H5_iter_order_t};
use hdf5_metno_sys::h5i::hid_t;
use hdf5_metno_sys::{h5, h5a, h5d, h5f, h5g, h5i, h5l, h5p, h5s, h5t, h5z};

/// Folder of Debian's serial HDF5 filter plugins (LZ4 is filter 32004 there).
pub const DEBIAN_PLUGIN_PATH: &str = "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins";

/// The LZ4 filter's registered identifier.
pub const LZ4_FILTER: i32 = 32004;

/// An owned HDF5 identifier, released on drop.
#[derive(Debug)]
pub struct Id(hid_t);

impl Id {
    /// The raw identifier, to pass to another call.
    pub fn id(&self) -> hid_t {
        self.0
    }
}

impl Drop for Id {
    fn drop(&mut self) {
        // SAFETY: the identifier was returned valid by the library and is released once here.
        let rc = unsafe { h5i::H5Idec_ref(self.0) };
        if rc < 0 && !std::thread::panicking() {
            panic!("H5Idec_ref failed");
        }
    }
}

fn id(call: &str, raw: hid_t) -> Id {
    if raw < 0 {
        panic!("libhdf5 call {call} failed");
    }
    Id(raw)
}

fn check(call: &str, rc: herr_t) {
    if rc < 0 {
        panic!("libhdf5 call {call} failed");
    }
}

fn cs(s: &str) -> CString {
    CString::new(s).expect("name without NUL bytes")
}

/// Sets the plugin path (unless the caller set one) and starts the library. Call before any
/// other HDF5 call: the plugin path is read when the first plugin filter is looked up.
pub fn init() {
    if std::env::var_os("HDF5_PLUGIN_PATH").is_none() {
        // Single-threaded here: nothing else reads the environment yet.
        std::env::set_var("HDF5_PLUGIN_PATH", DEBIAN_PLUGIN_PATH);
    }
    // SAFETY: plain library start-up.
    check("H5open", unsafe { h5::H5open() });
}

/// Whether filter `filter` is available to the C library.
pub fn filter_available(filter: i32) -> bool {
    // SAFETY: a query by number.
    unsafe { h5z::H5Zfilter_avail(filter) > 0 }
}

/// The native `double` memory type.
pub fn native_f64() -> hid_t {
    // Valid after `H5open`; the binding reads the library's global on first use.
    *h5t::H5T_NATIVE_DOUBLE
}

/// The little-endian IEEE `double` file type.
fn f64le() -> hid_t {
    *h5t::H5T_IEEE_F64LE
}

/// Creates (truncates) `path`, in the earliest file format (symbol-table groups, compact
/// attributes) or the latest one this library writes (dense links and attributes).
pub fn create_file(path: &str, latest: bool) -> Id {
    // SAFETY: the class identifier is valid after `H5open`.
    let fapl = id("H5Pcreate(fapl)", unsafe {
        h5p::H5Pcreate(*h5p::H5P_CLS_FILE_ACCESS)
    });
    let high = h5f::H5F_LIBVER_LATEST;
    let low = if latest {
        h5f::H5F_LIBVER_LATEST
    } else {
        h5f::H5F_libver_t::H5F_LIBVER_EARLIEST
    };
    // SAFETY: a valid access list and enum values.
    check("H5Pset_libver_bounds", unsafe {
        h5p::H5Pset_libver_bounds(fapl.id(), low, high)
    });
    let p = cs(path);
    // SAFETY: `p` is NUL-terminated; the lists are valid.
    id("H5Fcreate", unsafe {
        h5f::H5Fcreate(p.as_ptr(), h5f::H5F_ACC_TRUNC, h5p::H5P_DEFAULT, fapl.id())
    })
}

/// Opens `path` read-only with default properties.
pub fn open_file(path: &str) -> Id {
    let p = cs(path);
    // SAFETY: `p` is NUL-terminated.
    id("H5Fopen", unsafe {
        h5f::H5Fopen(p.as_ptr(), h5f::H5F_ACC_RDONLY, h5p::H5P_DEFAULT)
    })
}

/// A simple dataspace of shape `dims`.
pub fn space(dims: &[u64]) -> Id {
    let rank = i32::try_from(dims.len()).expect("small rank");
    // SAFETY: `dims` holds `rank` values; null maximum dimensions mean "same as dims".
    id("H5Screate_simple", unsafe {
        h5s::H5Screate_simple(rank, dims.as_ptr(), ptr::null())
    })
}

/// A scalar dataspace.
pub fn scalar_space() -> Id {
    // SAFETY: plain creation.
    id("H5Screate", unsafe {
        h5s::H5Screate(h5s::H5S_class_t::H5S_SCALAR)
    })
}

/// A dataset creation list: chunked with `chunk` (if given), then `filters` applied in order.
pub fn dcpl(chunk: Option<&[u64]>, filters: &[Filter]) -> Id {
    // SAFETY: the class identifier is valid after `H5open`.
    let p = id("H5Pcreate(dcpl)", unsafe {
        h5p::H5Pcreate(*h5p::H5P_CLS_DATASET_CREATE)
    });
    if let Some(c) = chunk {
        let rank = i32::try_from(c.len()).expect("small rank");
        // SAFETY: `c` holds `rank` values.
        check("H5Pset_chunk", unsafe {
            h5p::H5Pset_chunk(p.id(), rank, c.as_ptr())
        });
    }
    for f in filters {
        // SAFETY: a valid creation list; plain arguments.
        match *f {
            Filter::Shuffle => check("H5Pset_shuffle", unsafe { h5p::H5Pset_shuffle(p.id()) }),
            Filter::Deflate(level) => check("H5Pset_deflate", unsafe {
                h5p::H5Pset_deflate(p.id(), level)
            }),
            Filter::Plugin(filter) => check("H5Pset_filter", unsafe {
                h5p::H5Pset_filter(p.id(), filter, 0, 0, ptr::null())
            }),
        }
    }
    p
}

/// One stage of a filter pipeline.
#[derive(Debug, Clone, Copy)]
pub enum Filter {
    /// Byte shuffle (filter 2).
    Shuffle,
    /// Deflate at a level (filter 1).
    Deflate(c_uint),
    /// A plugin filter by identifier, default parameters, mandatory.
    Plugin(i32),
}

/// Creates an `f64` (little-endian) dataset `name` in `loc`.
pub fn create_f64_dataset(loc: &Id, name: &str, space: &Id, dcpl: &Id) -> Id {
    let n = cs(name);
    // SAFETY: valid identifiers; `n` is NUL-terminated.
    id("H5Dcreate2", unsafe {
        h5d::H5Dcreate2(
            loc.id(),
            n.as_ptr(),
            f64le(),
            space.id(),
            h5p::H5P_DEFAULT,
            dcpl.id(),
            h5p::H5P_DEFAULT,
        )
    })
}

/// Opens dataset `name` (a path relative to `loc`).
pub fn open_dataset(loc: &Id, name: &CStr) -> Id {
    // SAFETY: valid identifier; `name` is NUL-terminated.
    id("H5Dopen2", unsafe {
        h5d::H5Dopen2(loc.id(), name.as_ptr(), h5p::H5P_DEFAULT)
    })
}

/// The file dataspace of a dataset (a copy the caller may select on).
pub fn dataset_space(d: &Id) -> Id {
    // SAFETY: valid identifier.
    id("H5Dget_space", unsafe { h5d::H5Dget_space(d.id()) })
}

/// Selects the block `start`/`count` (stride and block 1) of `space`, replacing the
/// selection.
pub fn select_block(space: &Id, start: &[u64], count: &[u64]) {
    // SAFETY: both arrays have the space's rank (the caller's contract, checked by the
    // library against the space); null stride and block mean 1.
    check("H5Sselect_hyperslab", unsafe {
        h5s::H5Sselect_hyperslab(
            space.id(),
            h5s::H5S_seloper_t::H5S_SELECT_SET,
            start.as_ptr(),
            ptr::null(),
            count.as_ptr(),
            ptr::null(),
        )
    });
}

/// Selects the points `coords` (`n` points of `space`'s rank, flattened) of `space`,
/// replacing the selection; the values are read in the order listed.
pub fn select_points(space: &Id, coords: &[u64], n: usize) {
    // SAFETY: `coords` holds `n` points of the space's rank (the caller's contract; the
    // library checks each point against the extent).
    check("H5Sselect_elements", unsafe {
        h5s::H5Sselect_elements(
            space.id(),
            h5s::H5S_seloper_t::H5S_SELECT_SET,
            n,
            coords.as_ptr(),
        )
    });
}

/// Number of elements in `space`'s extent.
pub fn extent_len(space: &Id) -> usize {
    // SAFETY: valid identifier.
    let n = unsafe { h5s::H5Sget_simple_extent_npoints(space.id()) };
    usize::try_from(n).expect("H5Sget_simple_extent_npoints failed")
}

/// Reads `f64` values: `mem` and `file` spaces (None for `H5S_ALL`) into `out`, whose length
/// must equal the number of selected elements.
pub fn read_f64(d: &Id, mem: Option<&Id>, file: Option<&Id>, out: &mut [f64]) {
    let ms = mem.map_or(h5s::H5S_ALL, Id::id);
    let fs = file.map_or(h5s::H5S_ALL, Id::id);
    // SAFETY: `out` holds as many doubles as the selection (the caller's contract: every
    // call site sizes `out` from the same shape it selects).
    check("H5Dread", unsafe {
        h5d::H5Dread(
            d.id(),
            native_f64(),
            ms,
            fs,
            h5p::H5P_DEFAULT,
            out.as_mut_ptr() as *mut c_void,
        )
    });
}

/// Writes `f64` values into the selection `file` of `d`; `mem` describes `data`.
pub fn write_f64(d: &Id, mem: Option<&Id>, file: Option<&Id>, data: &[f64]) {
    let ms = mem.map_or(h5s::H5S_ALL, Id::id);
    let fs = file.map_or(h5s::H5S_ALL, Id::id);
    // SAFETY: `data` holds as many doubles as the selection (the caller's contract).
    check("H5Dwrite", unsafe {
        h5d::H5Dwrite(
            d.id(),
            native_f64(),
            ms,
            fs,
            h5p::H5P_DEFAULT,
            data.as_ptr() as *const c_void,
        )
    });
}

/// Creates group `name` in `loc`.
pub fn create_group(loc: &Id, name: &str) -> Id {
    let n = cs(name);
    // SAFETY: valid identifier; `n` is NUL-terminated.
    id("H5Gcreate2", unsafe {
        h5g::H5Gcreate2(
            loc.id(),
            n.as_ptr(),
            h5p::H5P_DEFAULT,
            h5p::H5P_DEFAULT,
            h5p::H5P_DEFAULT,
        )
    })
}

/// Opens group `name` relative to `loc`.
pub fn open_group(loc: &Id, name: &str) -> Id {
    let n = cs(name);
    // SAFETY: valid identifier; `n` is NUL-terminated.
    id("H5Gopen2", unsafe {
        h5g::H5Gopen2(loc.id(), n.as_ptr(), h5p::H5P_DEFAULT)
    })
}

/// Adds a hard link `dst_name` in `dst` to the object `src_name` of `src`.
pub fn hard_link(src: &Id, src_name: &str, dst: &Id, dst_name: &str) {
    let (s, d) = (cs(src_name), cs(dst_name));
    // SAFETY: valid identifiers; names NUL-terminated.
    check("H5Lcreate_hard", unsafe {
        h5l::H5Lcreate_hard(
            src.id(),
            s.as_ptr(),
            dst.id(),
            d.as_ptr(),
            h5p::H5P_DEFAULT,
            h5p::H5P_DEFAULT,
        )
    });
}

extern "C" fn push_name(
    _group: hid_t,
    name: *const c_char,
    _info: *const h5l::H5L_info_t,
    data: *mut c_void,
) -> herr_t {
    // SAFETY: `data` is the `Vec<String>` `link_names` passes, alive for the whole
    // iteration; `name` is a NUL-terminated string the library owns for this call.
    unsafe {
        let names = &mut *(data as *mut Vec<String>);
        names.push(CStr::from_ptr(name).to_string_lossy().into_owned());
    }
    0
}

/// The names of `group`'s links, in increasing name order.
pub fn link_names(group: &Id) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut idx: hsize_t = 0;
    // SAFETY: the callback only pushes into `names`, which outlives the call.
    check("H5Literate", unsafe {
        h5l::H5Literate(
            group.id(),
            H5_index_t::H5_INDEX_NAME,
            H5_iter_order_t::H5_ITER_INC,
            &mut idx,
            Some(push_name),
            &mut names as *mut Vec<String> as *mut c_void,
        )
    });
    names
}

/// Creates attribute `name` on `loc` holding `values` (an array of that length).
pub fn write_f64_attr(loc: &Id, name: &str, values: &[f64]) {
    let n = cs(name);
    let s = space(&[values.len() as u64]);
    // SAFETY: valid identifiers; `n` is NUL-terminated.
    let a = id("H5Acreate2", unsafe {
        h5a::H5Acreate2(
            loc.id(),
            n.as_ptr(),
            f64le(),
            s.id(),
            h5p::H5P_DEFAULT,
            h5p::H5P_DEFAULT,
        )
    });
    // SAFETY: `values` matches the attribute's dataspace.
    check("H5Awrite", unsafe {
        h5a::H5Awrite(a.id(), native_f64(), values.as_ptr() as *const c_void)
    });
}

struct AttrRead {
    items: Vec<(String, Vec<f64>)>,
}

extern "C" fn read_one_attr(
    loc: hid_t,
    name: *const c_char,
    _info: *const h5a::H5A_info_t,
    data: *mut c_void,
) -> herr_t {
    // SAFETY: `data` is the `AttrRead` `read_attrs` passes, alive for the whole iteration;
    // `name` is a NUL-terminated string the library owns for this call.
    let (out, name) = unsafe { (&mut *(data as *mut AttrRead), CStr::from_ptr(name)) };
    // SAFETY: `loc` is the object being iterated; `name` is NUL-terminated.
    let raw = unsafe { h5a::H5Aopen(loc, name.as_ptr(), h5p::H5P_DEFAULT) };
    if raw < 0 {
        return -1;
    }
    let a = Id(raw);
    // SAFETY: valid identifier.
    let s = id("H5Aget_space", unsafe { h5a::H5Aget_space(a.id()) });
    let mut values = vec![0f64; extent_len(&s)];
    // SAFETY: `values` matches the attribute's dataspace.
    let rc = unsafe { h5a::H5Aread(a.id(), native_f64(), values.as_mut_ptr() as *mut c_void) };
    if rc < 0 {
        return -1;
    }
    out.items
        .push((name.to_string_lossy().into_owned(), values));
    0
}

/// Every attribute of `loc` in increasing name order, opened by name and read as `f64`
/// values: the usual C idiom (H5Aiterate2 over the name index, H5Aopen, H5Aread).
pub fn read_attrs(loc: &Id) -> Vec<(String, Vec<f64>)> {
    let mut out = AttrRead { items: Vec::new() };
    let mut idx: hsize_t = 0;
    // SAFETY: the callback only touches `out`, which outlives the call.
    check("H5Aiterate2", unsafe {
        h5a::H5Aiterate2(
            loc.id(),
            H5_index_t::H5_INDEX_NAME,
            H5_iter_order_t::H5_ITER_INC,
            &mut idx,
            Some(read_one_attr),
            &mut out as *mut AttrRead as *mut c_void,
        )
    });
    out.items
}

/// A simple dataspace of shape `dims` and maximum shape `max` (`None`: unlimited).
pub fn space_max(dims: &[u64], max: &[Option<u64>]) -> Id {
    let rank = i32::try_from(dims.len()).expect("small rank");
    assert_eq!(dims.len(), max.len(), "one maximum per dimension");
    let max: Vec<hsize_t> = max
        .iter()
        .map(|m| m.unwrap_or(h5s::H5S_UNLIMITED))
        .collect();
    // SAFETY: `dims` and `max` hold `rank` values each.
    id("H5Screate_simple", unsafe {
        h5s::H5Screate_simple(rank, dims.as_ptr(), max.as_ptr())
    })
}

/// Changes the shape of a chunked dataset (`H5Dset_extent`).
pub fn set_extent(d: &Id, dims: &[u64]) {
    // SAFETY: `dims` has the dataset's rank (the caller's contract, checked by the library
    // against the dataset).
    check("H5Dset_extent", unsafe {
        h5d::H5Dset_extent(d.id(), dims.as_ptr())
    });
}

/// The variable-length UTF-8 string type, for both file and memory (`char *` elements).
pub fn vlen_utf8() -> Id {
    // SAFETY: copying a predefined type valid after `H5open`.
    let t = id("H5Tcopy(H5T_C_S1)", unsafe { h5t::H5Tcopy(*h5t::H5T_C_S1) });
    // SAFETY: a valid, modifiable string type.
    check("H5Tset_size", unsafe {
        h5t::H5Tset_size(t.id(), h5t::H5T_VARIABLE)
    });
    // SAFETY: as above.
    check("H5Tset_cset", unsafe {
        h5t::H5Tset_cset(t.id(), h5t::H5T_cset_t::H5T_CSET_UTF8)
    });
    t
}

/// Creates a contiguous 1-D dataset `name` of variable-length UTF-8 strings and writes
/// `values` into it: the C idiom, an array of `char *` passed to `H5Dwrite`.
pub fn write_string_dataset(loc: &Id, name: &str, values: &[CString]) {
    let t = vlen_utf8();
    let s = space(&[values.len() as u64]);
    let n = cs(name);
    // SAFETY: valid identifiers; `n` is NUL-terminated.
    let d = id("H5Dcreate2", unsafe {
        h5d::H5Dcreate2(
            loc.id(),
            n.as_ptr(),
            t.id(),
            s.id(),
            h5p::H5P_DEFAULT,
            h5p::H5P_DEFAULT,
            h5p::H5P_DEFAULT,
        )
    });
    let ptrs: Vec<*const c_char> = values.iter().map(|v| v.as_ptr()).collect();
    // SAFETY: one NUL-terminated string pointer per element, alive for the call.
    check("H5Dwrite(strings)", unsafe {
        h5d::H5Dwrite(
            d.id(),
            t.id(),
            h5s::H5S_ALL,
            h5s::H5S_ALL,
            h5p::H5P_DEFAULT,
            ptrs.as_ptr() as *const c_void,
        )
    });
}

/// Every element of a 1-D variable-length string dataset, read into `char *` elements the
/// library allocates, copied into `String`s, then released with `H5Dvlen_reclaim`.
pub fn read_string_dataset(d: &Id) -> Vec<String> {
    let t = vlen_utf8();
    let s = dataset_space(d);
    let mut ptrs: Vec<*mut c_char> = vec![ptr::null_mut(); extent_len(&s)];
    // SAFETY: one pointer slot per element of the dataset.
    check("H5Dread(strings)", unsafe {
        h5d::H5Dread(
            d.id(),
            t.id(),
            h5s::H5S_ALL,
            h5s::H5S_ALL,
            h5p::H5P_DEFAULT,
            ptrs.as_mut_ptr() as *mut c_void,
        )
    });
    let out = ptrs
        .iter()
        .map(|&p| {
            if p.is_null() {
                String::new()
            } else {
                // SAFETY: the library wrote a NUL-terminated string here.
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        })
        .collect();
    // SAFETY: the buffer was filled by `H5Dread` with this type and dataspace.
    #[allow(deprecated)]
    check("H5Dvlen_reclaim", unsafe {
        h5d::H5Dvlen_reclaim(
            t.id(),
            s.id(),
            h5p::H5P_DEFAULT,
            ptrs.as_mut_ptr() as *mut c_void,
        )
    });
    out
}
