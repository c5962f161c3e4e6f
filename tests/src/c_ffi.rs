//! Small safe wrappers over the HDF5 C library calls the walk needs.
//!
//! Every `unsafe` block lives here (and in [`crate::c_types`] for reading library-owned
//! memory) and states why it is sound. Identifiers are owned by [`Handle`], which closes them
//! on drop. Every negative return becomes an `Err` naming the call and the object path.

use std::ffi::{c_char, c_uint, c_void, CStr, CString};
use std::ptr;
use std::sync::Once;

use hdf5_metno_sys::h5::{haddr_t, herr_t, hsize_t, H5_index_t, H5_iter_order_t};
use hdf5_metno_sys::h5i::hid_t;
use hdf5_metno_sys::{h5, h5a, h5d, h5e, h5f, h5g, h5i, h5l, h5o, h5p, h5r, h5s, h5t, h5z};

/// Folder of Debian's serial HDF5 filter plugins (LZF, LZ4, BZip2, Blosc, Bitshuffle).
pub const DEBIAN_PLUGIN_PATH: &str = "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins";

/// Takes the process-wide lock that serializes every call into libhdf5 (Debian's serial build
/// is not thread-safe). The lock is reentrant, so a test holding it may call
/// [`crate::c_walk::c_walk`], which takes it again.
pub fn hdf5_lock() -> impl Sized {
    hdf5_metno_sys::LOCK.lock()
}

static INIT: Once = Once::new();

/// Prepares the library: plugin path and start-up once, then turns automatic error printing
/// off for the calling thread (a thread-safe libhdf5 keeps one error stack per thread).
/// Call with the lock held.
pub fn init() {
    INIT.call_once(|| {
        // The plugin path is read when the first filter plugin is looked up, so it must be
        // in the environment before any HDF5 call.
        if std::env::var_os("HDF5_PLUGIN_PATH").is_none() {
            std::env::set_var("HDF5_PLUGIN_PATH", DEBIAN_PLUGIN_PATH);
        }
        // External raw data files and virtual dataset sources are named relative to the
        // HDF5 file's own folder, not to the working directory of whoever runs the walk.
        for var in ["HDF5_EXTFILE_PREFIX", "HDF5_VDS_PREFIX"] {
            if std::env::var_os(var).is_none() {
                std::env::set_var(var, "${ORIGIN}");
            }
        }
        // SAFETY: plain library start-up.
        unsafe {
            h5::H5open();
        }
    });
    // SAFETY: a null handler with null data is the documented way to turn automatic
    // printing off.
    unsafe {
        h5e::H5Eset_auto2(h5e::H5E_DEFAULT, None, ptr::null_mut());
    }
}

/// Clears the calling thread's error stack when dropped. A stack left holding entries when
/// a thread ends keeps the library from shutting down cleanly at exit.
pub struct ClearErrors;

impl Drop for ClearErrors {
    fn drop(&mut self) {
        // SAFETY: clearing the default (per-thread) error stack has no preconditions.
        unsafe {
            h5e::H5Eclear2(h5e::H5E_DEFAULT);
        }
    }
}

/// The error text for a failed call on an object.
pub fn fail(call: &str, path: &str) -> String {
    format!("{call} failed on {path}")
}

fn check(ret: herr_t, call: &str, path: &str) -> Result<(), String> {
    if ret < 0 {
        Err(fail(call, path))
    } else {
        Ok(())
    }
}

/// The C path string of an object path.
pub fn c_path(raw: &[u8], path: &str) -> Result<CString, String> {
    CString::new(raw.to_vec()).map_err(|_| format!("path contains NUL: {path}"))
}

type CloseFn = unsafe extern "C" fn(hid_t) -> herr_t;

/// An open HDF5 identifier, closed on drop with the matching close call.
pub struct Handle {
    id: hid_t,
    close: CloseFn,
}

impl Handle {
    /// Takes ownership of `id`, or turns a negative `id` into an error naming `call`.
    ///
    /// # Errors
    /// `id` is negative (the call failed).
    pub fn new(id: hid_t, close: CloseFn, call: &str, path: &str) -> Result<Handle, String> {
        if id < 0 {
            Err(fail(call, path))
        } else {
            Ok(Handle { id, close })
        }
    }

    /// The raw identifier, valid while `self` lives.
    pub fn id(&self) -> hid_t {
        self.id
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: `id` is a valid identifier owned by this guard and closed exactly once,
        // with the close call of its kind.
        unsafe {
            (self.close)(self.id);
        }
    }
}

/// Opens a file read-only with default properties.
///
/// # Errors
/// The file cannot be opened by the C library.
pub fn open_file(path: &CStr, shown: &str) -> Result<Handle, String> {
    // SAFETY: `path` is NUL-terminated; H5P_DEFAULT is a valid property list id.
    let id = unsafe { h5f::H5Fopen(path.as_ptr(), h5f::H5F_ACC_RDONLY, h5p::H5P_DEFAULT) };
    Handle::new(id, h5f::H5Fclose, "H5Fopen", shown)
}

/// The file's size of offsets ("sizeof_addr"), which sizes variable-length data on disk.
///
/// # Errors
/// A property call fails.
pub fn sizeof_addr(file: &Handle) -> Result<usize, String> {
    // SAFETY: `file` is an open file id.
    let fcpl = Handle::new(
        unsafe { h5f::H5Fget_create_plist(file.id()) },
        h5p::H5Pclose,
        "H5Fget_create_plist",
        "/",
    )?;
    let (mut a, mut s) = (0usize, 0usize);
    // SAFETY: both out pointers point at live locals.
    check(
        unsafe { h5p::H5Pget_sizes(fcpl.id(), &mut a, &mut s) },
        "H5Pget_sizes",
        "/",
    )?;
    Ok(a)
}

unsafe extern "C" fn collect_link(
    _group: hid_t,
    name: *const c_char,
    _info: *const h5l::H5L_info_t,
    data: *mut c_void,
) -> herr_t {
    // SAFETY: `data` is the `Vec<Vec<u8>>` passed by `link_names`, alive for the whole
    // iteration; `name` is a NUL-terminated string owned by the library for this call.
    unsafe {
        let names = &mut *(data as *mut Vec<Vec<u8>>);
        names.push(CStr::from_ptr(name).to_bytes().to_vec());
    }
    0
}

/// The link names of a group, by name in increasing order.
///
/// # Errors
/// The group cannot be opened or iterated.
pub fn link_names(file: &Handle, group: &CStr, shown: &str) -> Result<Vec<Vec<u8>>, String> {
    // SAFETY: `group` is NUL-terminated; `file` is open.
    let gid = unsafe { h5g::H5Gopen2(file.id(), group.as_ptr(), h5p::H5P_DEFAULT) };
    let g = Handle::new(gid, h5g::H5Gclose, "H5Gopen2", shown)?;
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut idx: hsize_t = 0;
    // SAFETY: the callback only pushes into `names`, which outlives the call.
    let ret = unsafe {
        h5l::H5Literate(
            g.id(),
            H5_index_t::H5_INDEX_NAME,
            H5_iter_order_t::H5_ITER_INC,
            &mut idx,
            Some(collect_link),
            &mut names as *mut Vec<Vec<u8>> as *mut c_void,
        )
    };
    check(ret, "H5Literate", shown)?;
    Ok(names)
}

/// A link's class and, for soft and external links, its value size.
///
/// # Errors
/// H5Lget_info fails.
pub fn link_info(
    file: &Handle,
    path: &CStr,
    shown: &str,
) -> Result<(h5l::H5L_type_t, usize), String> {
    let mut info = h5l::H5L_info_t::default();
    // SAFETY: `info` is a live, correctly sized out struct.
    let ret = unsafe { h5l::H5Lget_info1(file.id(), path.as_ptr(), &mut info, h5p::H5P_DEFAULT) };
    check(ret, "H5Lget_info", shown)?;
    let size = if info.type_ == h5l::H5L_type_t::H5L_TYPE_HARD {
        0
    } else {
        // SAFETY: for soft and user-defined links the union holds `val_size`.
        unsafe { *info.u.val_size() }
    };
    Ok((info.type_, size))
}

/// The stored value of a soft or external link.
///
/// # Errors
/// H5Lget_val fails.
pub fn link_val(file: &Handle, path: &CStr, size: usize, shown: &str) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; size.max(1)];
    // SAFETY: `buf` has `buf.len()` writable bytes.
    let ret = unsafe {
        h5l::H5Lget_val(
            file.id(),
            path.as_ptr(),
            buf.as_mut_ptr() as *mut c_void,
            buf.len(),
            h5p::H5P_DEFAULT,
        )
    };
    check(ret, "H5Lget_val", shown)?;
    buf.truncate(size);
    Ok(buf)
}

/// Splits an external link value into (file name, object path), both as stored.
///
/// # Errors
/// H5Lunpack_elink_val refuses the value.
pub fn unpack_elink(val: &[u8], shown: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    let mut flags: c_uint = 0;
    let mut fname: *const c_char = ptr::null();
    let mut opath: *const c_char = ptr::null();
    // SAFETY: `val` is the complete link value; the out pointers point into `val`.
    let ret = unsafe {
        h5l::H5Lunpack_elink_val(
            val.as_ptr() as *const c_void,
            val.len(),
            &mut flags,
            &mut fname,
            &mut opath,
        )
    };
    check(ret, "H5Lunpack_elink_val", shown)?;
    if fname.is_null() || opath.is_null() {
        return Err(fail("H5Lunpack_elink_val", shown));
    }
    // SAFETY: both pointers are NUL-terminated strings inside `val`, which is still alive.
    unsafe {
        Ok((
            CStr::from_ptr(fname).to_bytes().to_vec(),
            CStr::from_ptr(opath).to_bytes().to_vec(),
        ))
    }
}

/// Whether the object a link path leads to (following soft links) exists. A soft link that
/// cannot be resolved at all (missing intermediate group, link loop) counts as missing.
pub fn object_exists(file: &Handle, path: &CStr) -> bool {
    // SAFETY: `path` is NUL-terminated; `file` is open.
    unsafe { h5o::H5Oexists_by_name(file.id(), path.as_ptr(), h5p::H5P_DEFAULT) > 0 }
}

/// Object type, file number and header address of the object at `path`.
///
/// # Errors
/// H5Oget_info_by_name2 fails.
pub fn object_info(
    file: &Handle,
    path: &CStr,
    shown: &str,
) -> Result<(h5o::H5O_type_t, u64, haddr_t), String> {
    let mut info = h5o::H5O_info_t::default();
    // SAFETY: `info` is a live out struct of the 1.10 layout this call fills.
    let ret = unsafe {
        h5o::H5Oget_info_by_name2(
            file.id(),
            path.as_ptr(),
            &mut info,
            h5o::H5O_INFO_BASIC,
            h5p::H5P_DEFAULT,
        )
    };
    check(ret, "H5Oget_info_by_name2", shown)?;
    Ok((info.type_, info.fileno, info.addr))
}

/// Opens a group, dataset or named datatype by path.
///
/// # Errors
/// H5Oopen fails.
pub fn open_object(file: &Handle, path: &CStr, shown: &str) -> Result<Handle, String> {
    // SAFETY: `path` is NUL-terminated; `file` is open.
    let id = unsafe { h5o::H5Oopen(file.id(), path.as_ptr(), h5p::H5P_DEFAULT) };
    Handle::new(id, h5o::H5Oclose, "H5Oopen", shown)
}

unsafe extern "C" fn collect_attr(
    _loc: hid_t,
    name: *const c_char,
    _info: *const h5a::H5A_info_t,
    data: *mut c_void,
) -> herr_t {
    // SAFETY: as in `collect_link`: `data` is the caller's vector, `name` a C string.
    unsafe {
        let names = &mut *(data as *mut Vec<Vec<u8>>);
        names.push(CStr::from_ptr(name).to_bytes().to_vec());
    }
    0
}

/// The attribute names of an object, by name in increasing order.
///
/// # Errors
/// H5Aiterate2 fails.
pub fn attr_names(obj: &Handle, shown: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut idx: hsize_t = 0;
    // SAFETY: the callback only pushes into `names`, which outlives the call.
    let ret = unsafe {
        h5a::H5Aiterate2(
            obj.id(),
            H5_index_t::H5_INDEX_NAME,
            H5_iter_order_t::H5_ITER_INC,
            &mut idx,
            Some(collect_attr),
            &mut names as *mut Vec<Vec<u8>> as *mut c_void,
        )
    };
    check(ret, "H5Aiterate2", shown)?;
    Ok(names)
}

/// Opens an attribute of `obj` by name.
///
/// # Errors
/// H5Aopen fails.
pub fn open_attr(obj: &Handle, name: &CStr, shown: &str) -> Result<Handle, String> {
    // SAFETY: `name` is NUL-terminated; `obj` is open.
    let id = unsafe { h5a::H5Aopen(obj.id(), name.as_ptr(), h5p::H5P_DEFAULT) };
    Handle::new(id, h5a::H5Aclose, "H5Aopen", shown)
}

/// Which object a datatype or dataspace is taken from.
#[derive(Clone, Copy)]
pub enum Source {
    /// A dataset.
    Dataset,
    /// An attribute.
    Attribute,
    /// A named datatype.
    Datatype,
}

/// A transient copy of the object's datatype. Copies are in the library's in-memory form
/// (variable-length data as `hvl_t` / `char*`), which is what reads fill.
///
/// # Errors
/// The get or copy call fails.
pub fn get_type(obj: &Handle, source: Source, shown: &str) -> Result<Handle, String> {
    // SAFETY: `obj` is an open object of the kind `source` names.
    let (id, call) = unsafe {
        match source {
            Source::Dataset => (h5d::H5Dget_type(obj.id()), "H5Dget_type"),
            Source::Attribute => (h5a::H5Aget_type(obj.id()), "H5Aget_type"),
            Source::Datatype => (h5t::H5Tcopy(obj.id()), "H5Tcopy"),
        }
    };
    let t = Handle::new(id, h5t::H5Tclose, call, shown)?;
    // SAFETY: `t` is an open datatype id.
    let copy = unsafe { h5t::H5Tcopy(t.id()) };
    Handle::new(copy, h5t::H5Tclose, "H5Tcopy", shown)
}

/// The dataspace of a dataset or attribute.
///
/// # Errors
/// The get call fails.
pub fn get_space(obj: &Handle, source: Source, shown: &str) -> Result<Handle, String> {
    // SAFETY: `obj` is an open dataset or attribute.
    let (id, call) = unsafe {
        match source {
            Source::Attribute => (h5a::H5Aget_space(obj.id()), "H5Aget_space"),
            _ => (h5d::H5Dget_space(obj.id()), "H5Dget_space"),
        }
    };
    Handle::new(id, h5s::H5Sclose, call, shown)
}

/// A dataspace's extent.
#[derive(Debug, Clone, PartialEq)]
pub enum Extent {
    /// No elements, not even one.
    Null,
    /// One element.
    Scalar,
    /// Dimensions and maximum dimensions (`u64::MAX` is unlimited).
    Simple(Vec<u64>, Vec<u64>),
}

/// Reads the extent of a dataspace.
///
/// # Errors
/// A dataspace query fails.
pub fn extent(space: &Handle, shown: &str) -> Result<Extent, String> {
    // SAFETY: `space` is an open dataspace.
    let class = unsafe { h5s::H5Sget_simple_extent_type(space.id()) };
    match class {
        h5s::H5S_class_t::H5S_NULL => Ok(Extent::Null),
        h5s::H5S_class_t::H5S_SCALAR => Ok(Extent::Scalar),
        h5s::H5S_class_t::H5S_SIMPLE => {
            // SAFETY: `space` is an open dataspace.
            let rank = unsafe { h5s::H5Sget_simple_extent_ndims(space.id()) };
            let rank =
                usize::try_from(rank).map_err(|_| fail("H5Sget_simple_extent_ndims", shown))?;
            let mut dims = vec![0 as hsize_t; rank];
            let mut maxd = vec![0 as hsize_t; rank];
            // SAFETY: both buffers have `rank` entries, as the call writes.
            let ret = unsafe {
                h5s::H5Sget_simple_extent_dims(space.id(), dims.as_mut_ptr(), maxd.as_mut_ptr())
            };
            if ret < 0 {
                return Err(fail("H5Sget_simple_extent_dims", shown));
            }
            Ok(Extent::Simple(dims, maxd))
        }
        _ => Err(fail("H5Sget_simple_extent_type", shown)),
    }
}

/// Selects the first `n` elements in row-major order of a simple dataspace as points.
///
/// # Errors
/// H5Sselect_elements fails.
pub fn select_first(space: &Handle, dims: &[u64], n: u64, shown: &str) -> Result<(), String> {
    let mut coords: Vec<hsize_t> = Vec::with_capacity(dims.len() * n as usize);
    for i in 0..n {
        let mut rest = i;
        let mut point = vec![0u64; dims.len()];
        for (slot, &d) in point.iter_mut().zip(dims).rev() {
            *slot = rest % d.max(1);
            rest /= d.max(1);
        }
        coords.extend_from_slice(&point);
    }
    // SAFETY: `coords` holds `n` points of `dims.len()` coordinates each.
    let ret = unsafe {
        h5s::H5Sselect_elements(
            space.id(),
            h5s::H5S_seloper_t::H5S_SELECT_SET,
            n as usize,
            coords.as_ptr(),
        )
    };
    check(ret, "H5Sselect_elements", shown)
}

/// A one-dimensional memory dataspace of `n` elements.
///
/// # Errors
/// H5Screate_simple fails.
pub fn simple_space(n: u64, shown: &str) -> Result<Handle, String> {
    let dims = [n as hsize_t];
    // SAFETY: `dims` has rank 1 entries; null maxdims means "same as dims".
    let id = unsafe { h5s::H5Screate_simple(1, dims.as_ptr(), ptr::null()) };
    Handle::new(id, h5s::H5Sclose, "H5Screate_simple", shown)
}

/// An 8-byte aligned byte buffer for reads (the library writes `hvl_t` and pointers into it).
pub struct ReadBuf {
    words: Vec<u64>,
    len: usize,
}

impl ReadBuf {
    /// A zeroed buffer of `len` bytes.
    pub fn new(len: usize) -> ReadBuf {
        ReadBuf {
            words: vec![0u64; len.div_ceil(8).max(1)],
            len,
        }
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the words vector owns at least `len` initialized bytes; u8 has no alignment
        // requirement.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr() as *const u8, self.len) }
    }

    fn ptr(&mut self) -> *mut c_void {
        self.words.as_mut_ptr() as *mut c_void
    }
}

/// Reads a dataset with `mem_type` (the file type's in-memory copy), whole (`sel` None) or
/// the selected points of `sel` = (memory space, file space).
///
/// # Errors
/// H5Dread fails.
pub fn read_dataset(
    ds: &Handle,
    mem_type: &Handle,
    sel: Option<(&Handle, &Handle)>,
    buf: &mut ReadBuf,
    shown: &str,
) -> Result<(), String> {
    let (ms, fs) = match sel {
        Some((m, f)) => (m.id(), f.id()),
        None => (h5s::H5S_ALL, h5s::H5S_ALL),
    };
    // SAFETY: `buf` holds room for every selected element of `mem_type`'s size (the caller
    // sized it so).
    let ret = unsafe { h5d::H5Dread(ds.id(), mem_type.id(), ms, fs, h5p::H5P_DEFAULT, buf.ptr()) };
    check(ret, "H5Dread", shown)
}

/// Reads a whole attribute with `mem_type`.
///
/// # Errors
/// H5Aread fails.
pub fn read_attr(
    attr: &Handle,
    mem_type: &Handle,
    buf: &mut ReadBuf,
    shown: &str,
) -> Result<(), String> {
    // SAFETY: `buf` holds room for every element of the attribute in `mem_type`'s size.
    let ret = unsafe { h5a::H5Aread(attr.id(), mem_type.id(), buf.ptr()) };
    check(ret, "H5Aread", shown)
}

/// Frees the variable-length memory a read left in `buf`.
///
/// # Errors
/// H5Dvlen_reclaim fails.
pub fn reclaim(
    mem_type: &Handle,
    space: &Handle,
    buf: &mut ReadBuf,
    shown: &str,
) -> Result<(), String> {
    // SAFETY: `buf` was filled by a read with `mem_type` over the selection of `space`.
    let ret =
        unsafe { h5d::H5Dvlen_reclaim(mem_type.id(), space.id(), h5p::H5P_DEFAULT, buf.ptr()) };
    check(ret, "H5Dvlen_reclaim", shown)
}

/// Why a dataset's values cannot be read by this library build, if the reason is a known
/// missing piece: an unavailable filter, external raw data files, or virtual sources.
pub fn unreadable_reason(ds: &Handle) -> Option<String> {
    // SAFETY: `ds` is an open dataset.
    let dcpl = Handle::new(
        unsafe { h5d::H5Dget_create_plist(ds.id()) },
        h5p::H5Pclose,
        "H5Dget_create_plist",
        "",
    )
    .ok()?;
    // SAFETY: `dcpl` is an open dataset creation property list.
    let n = unsafe { h5p::H5Pget_nfilters(dcpl.id()) };
    for i in 0..n.max(0) {
        let mut flags: c_uint = 0;
        let mut nelmts: usize = 0;
        let mut config: c_uint = 0;
        // SAFETY: zero client values and a zero-length name are requested, so the null
        // buffers are never written.
        let id = unsafe {
            h5p::H5Pget_filter2(
                dcpl.id(),
                i as c_uint,
                &mut flags,
                &mut nelmts,
                ptr::null_mut(),
                0,
                ptr::null_mut(),
                &mut config,
            )
        };
        // SAFETY: a plain query by filter id.
        if id >= 0 && unsafe { h5z::H5Zfilter_avail(id) } <= 0 {
            return Some(format!("filter {id} unavailable"));
        }
    }
    // SAFETY: `dcpl` is open.
    if unsafe { h5p::H5Pget_external_count(dcpl.id()) } > 0 {
        return Some("external raw data unreadable".to_string());
    }
    // SAFETY: `dcpl` is open.
    if unsafe { h5p::H5Pget_layout(dcpl.id()) } == h5d::H5D_layout_t::H5D_VIRTUAL {
        return Some("virtual source unreadable".to_string());
    }
    None
}

/// Datatype queries used to build a [`crate::c_types::TypeNode`].
pub mod types {
    use super::*;

    /// Class of a datatype.
    ///
    /// # Errors
    /// The call fails.
    pub fn class(t: hid_t, shown: &str) -> Result<h5t::H5T_class_t, String> {
        // SAFETY: `t` is an open datatype id (all callers pass a live handle's id).
        let c = unsafe { h5t::H5Tget_class(t) };
        if c == h5t::H5T_class_t::H5T_NO_CLASS {
            return Err(fail("H5Tget_class", shown));
        }
        Ok(c)
    }

    /// Size in bytes.
    ///
    /// # Errors
    /// The call fails.
    pub fn size(t: hid_t, shown: &str) -> Result<usize, String> {
        // SAFETY: `t` is an open datatype id.
        let s = unsafe { h5t::H5Tget_size(t) };
        if s == 0 {
            return Err(fail("H5Tget_size", shown));
        }
        Ok(s)
    }

    /// Byte order.
    pub fn order(t: hid_t) -> h5t::H5T_order_t {
        // SAFETY: `t` is an open datatype id.
        unsafe { h5t::H5Tget_order(t) }
    }

    /// Whether an integer type is signed.
    pub fn signed(t: hid_t) -> bool {
        // SAFETY: `t` is an open datatype id.
        unsafe { h5t::H5Tget_sign(t) == h5t::H5T_sign_t::H5T_SGN_2 }
    }

    /// (precision, offset) in bits.
    ///
    /// # Errors
    /// The call fails.
    pub fn precision_offset(t: hid_t, shown: &str) -> Result<(usize, usize), String> {
        // SAFETY: `t` is an open datatype id.
        let (p, o) = unsafe { (h5t::H5Tget_precision(t), h5t::H5Tget_offset(t)) };
        if p == 0 || o < 0 {
            return Err(fail("H5Tget_precision/H5Tget_offset", shown));
        }
        Ok((p, o as usize))
    }

    /// Float fields (sign position, exponent position and size, mantissa position and size)
    /// and exponent bias.
    ///
    /// # Errors
    /// The call fails.
    pub fn float_fields(t: hid_t, shown: &str) -> Result<([usize; 5], usize), String> {
        let mut f = [0usize; 5];
        let [a, b, c, d, e] = &mut f;
        // SAFETY: the five out pointers point at distinct live locals.
        let ret = unsafe { h5t::H5Tget_fields(t, a, b, c, d, e) };
        check(ret, "H5Tget_fields", shown)?;
        // SAFETY: `t` is an open datatype id.
        let bias = unsafe { h5t::H5Tget_ebias(t) };
        Ok((f, bias))
    }

    /// String padding and character set.
    pub fn str_info(t: hid_t) -> (h5t::H5T_str_t, h5t::H5T_cset_t) {
        // SAFETY: `t` is an open string datatype id.
        unsafe { (h5t::H5Tget_strpad(t), h5t::H5Tget_cset(t)) }
    }

    /// Whether a string type is variable-length.
    ///
    /// # Errors
    /// The call fails.
    pub fn is_variable_str(t: hid_t, shown: &str) -> Result<bool, String> {
        // SAFETY: `t` is an open datatype id.
        let r = unsafe { h5t::H5Tis_variable_str(t) };
        if r < 0 {
            return Err(fail("H5Tis_variable_str", shown));
        }
        Ok(r > 0)
    }

    /// Takes a library-allocated C string and frees it.
    fn take_string(p: *mut c_char, call: &str, shown: &str) -> Result<Vec<u8>, String> {
        if p.is_null() {
            return Err(fail(call, shown));
        }
        // SAFETY: `p` is a NUL-terminated string allocated by the library for the caller,
        // copied here and then released with the library's own free.
        unsafe {
            let bytes = CStr::from_ptr(p).to_bytes().to_vec();
            h5::H5free_memory(p as *mut c_void);
            Ok(bytes)
        }
    }

    /// Opaque tag.
    ///
    /// # Errors
    /// The call fails.
    pub fn tag(t: hid_t, shown: &str) -> Result<Vec<u8>, String> {
        // SAFETY: `t` is an open opaque datatype id.
        take_string(unsafe { h5t::H5Tget_tag(t) }, "H5Tget_tag", shown)
    }

    /// Number of compound or enum members.
    ///
    /// # Errors
    /// The call fails.
    pub fn nmembers(t: hid_t, shown: &str) -> Result<u32, String> {
        // SAFETY: `t` is an open compound or enum datatype id.
        let n = unsafe { h5t::H5Tget_nmembers(t) };
        u32::try_from(n).map_err(|_| fail("H5Tget_nmembers", shown))
    }

    /// Member name.
    ///
    /// # Errors
    /// The call fails.
    pub fn member_name(t: hid_t, i: u32, shown: &str) -> Result<Vec<u8>, String> {
        // SAFETY: `i` is below the member count.
        take_string(
            unsafe { h5t::H5Tget_member_name(t, i) },
            "H5Tget_member_name",
            shown,
        )
    }

    /// Compound member offset.
    pub fn member_offset(t: hid_t, i: u32) -> usize {
        // SAFETY: `i` is below the member count.
        unsafe { h5t::H5Tget_member_offset(t, i) }
    }

    /// Compound member type.
    ///
    /// # Errors
    /// The call fails.
    pub fn member_type(t: hid_t, i: u32, shown: &str) -> Result<Handle, String> {
        // SAFETY: `i` is below the member count.
        let id = unsafe { h5t::H5Tget_member_type(t, i) };
        Handle::new(id, h5t::H5Tclose, "H5Tget_member_type", shown)
    }

    /// Enum member value, as the enum's `size` bytes in the base type's byte order.
    ///
    /// # Errors
    /// The call fails.
    pub fn member_value(t: hid_t, i: u32, size: usize, shown: &str) -> Result<Vec<u8>, String> {
        let mut buf = vec![0u8; size];
        // SAFETY: `buf` has the enum's size, which is what the call writes.
        let ret = unsafe { h5t::H5Tget_member_value(t, i, buf.as_mut_ptr() as *mut c_void) };
        check(ret, "H5Tget_member_value", shown)?;
        Ok(buf)
    }

    /// Base type of an enum, array or variable-length sequence.
    ///
    /// # Errors
    /// The call fails.
    pub fn base(t: hid_t, shown: &str) -> Result<Handle, String> {
        // SAFETY: `t` is an open derived datatype id.
        let id = unsafe { h5t::H5Tget_super(t) };
        Handle::new(id, h5t::H5Tclose, "H5Tget_super", shown)
    }

    /// Array dimensions.
    ///
    /// # Errors
    /// The call fails.
    pub fn array_dims(t: hid_t, shown: &str) -> Result<Vec<u64>, String> {
        // SAFETY: `t` is an open array datatype id.
        let rank = unsafe { h5t::H5Tget_array_ndims(t) };
        let rank = usize::try_from(rank).map_err(|_| fail("H5Tget_array_ndims", shown))?;
        let mut dims = vec![0 as hsize_t; rank];
        // SAFETY: `dims` has `rank` entries.
        let ret = unsafe { h5t::H5Tget_array_dims2(t, dims.as_mut_ptr()) };
        if ret < 0 {
            return Err(fail("H5Tget_array_dims2", shown));
        }
        Ok(dims)
    }

    /// Which reference kind a reference type is: `Some(true)` object, `Some(false)` region.
    pub fn reference_kind(t: hid_t) -> Option<bool> {
        // SAFETY: the predefined ids are valid after H5open (done in `init`).
        unsafe {
            if h5t::H5Tequal(t, *h5t::H5T_STD_REF_OBJ) > 0 {
                Some(true)
            } else if h5t::H5Tequal(t, *h5t::H5T_STD_REF_DSETREG) > 0 {
                Some(false)
            } else {
                None
            }
        }
    }
}

/// The first name libhdf5 gives an open object.
///
/// # Errors
/// H5Iget_name fails.
pub fn object_name(obj: &Handle, shown: &str) -> Result<Vec<u8>, String> {
    // SAFETY: a null buffer with size 0 asks for the length only.
    let len = unsafe { h5i::H5Iget_name(obj.id(), ptr::null_mut(), 0) };
    let len = usize::try_from(len).map_err(|_| fail("H5Iget_name", shown))?;
    let mut buf = vec![0u8; len + 1];
    // SAFETY: `buf` has room for the name and its NUL.
    let ret = unsafe { h5i::H5Iget_name(obj.id(), buf.as_mut_ptr() as *mut c_char, buf.len()) };
    if ret < 0 {
        return Err(fail("H5Iget_name", shown));
    }
    buf.truncate(len);
    Ok(buf)
}

/// Opens the object a stored reference points at.
///
/// # Errors
/// H5Rdereference2 fails.
pub fn dereference(
    file: &Handle,
    region: bool,
    reference: &[u8],
    shown: &str,
) -> Result<Handle, String> {
    let kind = if region {
        h5r::H5R_type_t::H5R_DATASET_REGION
    } else {
        h5r::H5R_type_t::H5R_OBJECT
    };
    // SAFETY: `reference` holds a complete stored reference of `kind` (8 or 12 bytes, checked
    // by the caller).
    let id = unsafe {
        h5r::H5Rdereference2(
            file.id(),
            h5p::H5P_DEFAULT,
            kind,
            reference.as_ptr() as *const c_void,
        )
    };
    Handle::new(id, h5o::H5Oclose, "H5Rdereference2", shown)
}

/// The selection a region reference stores, as its dataspace.
///
/// # Errors
/// H5Rget_region fails.
pub fn region(file: &Handle, reference: &[u8], shown: &str) -> Result<Handle, String> {
    // SAFETY: `reference` holds a complete 12-byte region reference.
    let id = unsafe {
        h5r::H5Rget_region(
            file.id(),
            h5r::H5R_type_t::H5R_DATASET_REGION,
            reference.as_ptr() as *const c_void,
        )
    };
    Handle::new(id, h5s::H5Sclose, "H5Rget_region", shown)
}

/// A dataspace selection.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Everything.
    All,
    /// Nothing.
    None,
    /// Points, each of rank coordinates.
    Points(Vec<Vec<u64>>),
    /// Blocks as (start, inclusive end) corners.
    Blocks(Vec<(Vec<u64>, Vec<u64>)>),
}

/// Reads the selection of a dataspace.
///
/// # Errors
/// A selection query fails.
pub fn selection(space: &Handle, shown: &str) -> Result<Selection, String> {
    // SAFETY: `space` is an open dataspace.
    let rank = unsafe { h5s::H5Sget_simple_extent_ndims(space.id()) };
    let rank = usize::try_from(rank).map_err(|_| fail("H5Sget_simple_extent_ndims", shown))?;
    // SAFETY: `space` is an open dataspace.
    match unsafe { h5s::H5Sget_select_type(space.id()) } {
        h5s::H5S_sel_type::H5S_SEL_ALL => Ok(Selection::All),
        h5s::H5S_sel_type::H5S_SEL_NONE => Ok(Selection::None),
        h5s::H5S_sel_type::H5S_SEL_POINTS => {
            // SAFETY: `space` has a point selection.
            let n = unsafe { h5s::H5Sget_select_elem_npoints(space.id()) };
            let n = usize::try_from(n).map_err(|_| fail("H5Sget_select_elem_npoints", shown))?;
            let mut buf = vec![0 as hsize_t; n * rank];
            // SAFETY: `buf` has n * rank entries.
            let ret = unsafe {
                h5s::H5Sget_select_elem_pointlist(space.id(), 0, n as hsize_t, buf.as_mut_ptr())
            };
            check(ret, "H5Sget_select_elem_pointlist", shown)?;
            Ok(Selection::Points(
                buf.chunks(rank.max(1)).map(<[u64]>::to_vec).collect(),
            ))
        }
        h5s::H5S_sel_type::H5S_SEL_HYPERSLABS => {
            // SAFETY: `space` has a hyperslab selection.
            let n = unsafe { h5s::H5Sget_select_hyper_nblocks(space.id()) };
            let n = usize::try_from(n).map_err(|_| fail("H5Sget_select_hyper_nblocks", shown))?;
            let mut buf = vec![0 as hsize_t; n * 2 * rank];
            // SAFETY: `buf` has n blocks of 2 * rank entries.
            let ret = unsafe {
                h5s::H5Sget_select_hyper_blocklist(space.id(), 0, n as hsize_t, buf.as_mut_ptr())
            };
            check(ret, "H5Sget_select_hyper_blocklist", shown)?;
            Ok(Selection::Blocks(
                buf.chunks(2 * rank.max(1))
                    .map(|b| {
                        let (s, e) = b.split_at(rank);
                        (s.to_vec(), e.to_vec())
                    })
                    .collect(),
            ))
        }
        _ => Err(fail("H5Sget_select_type", shown)),
    }
}
