//! The C walk on small files written in the test with the C API; every expected value is
//! written by hand from what the test stored.

use std::ffi::{c_char, c_void, CString};
use std::path::PathBuf;

use h5oxide_conformance::c_ffi::{self, Handle};
use h5oxide_conformance::c_walk;
use h5oxide_conformance::walk::{Kind, Object, Walk};
use hdf5_metno_sys::h5::{herr_t, hsize_t};
use hdf5_metno_sys::h5i::hid_t;
use hdf5_metno_sys::{h5a, h5d, h5f, h5g, h5l, h5p, h5r, h5s, h5t};
use serde_json::{json, Value};

fn ck(ret: herr_t, what: &str) {
    assert!(ret >= 0, "{what} failed");
}

fn handle(id: hid_t, close: unsafe extern "C" fn(hid_t) -> herr_t, what: &str) -> Handle {
    Handle::new(id, close, what, "test file").unwrap()
}

fn cs(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// A predefined type id (valid after `c_ffi::init`).
fn pre(t: &'static hid_t) -> hid_t {
    *t
}

/// A simple dataspace; `None` gives a scalar.
fn space(dims: Option<&[u64]>, max: Option<&[u64]>) -> Handle {
    let id = match dims {
        // SAFETY: plain constructor.
        None => unsafe { h5s::H5Screate(h5s::H5S_class_t::H5S_SCALAR) },
        Some(d) => {
            let maxp = max.map_or(std::ptr::null(), |m| m.as_ptr());
            // SAFETY: `d` and `max` (if any) have the same rank.
            unsafe { h5s::H5Screate_simple(d.len() as i32, d.as_ptr(), maxp) }
        }
    };
    handle(id, h5s::H5Sclose, "H5Screate")
}

fn null_space() -> Handle {
    // SAFETY: plain constructor.
    handle(
        unsafe { h5s::H5Screate(h5s::H5S_class_t::H5S_NULL) },
        h5s::H5Sclose,
        "H5Screate",
    )
}

fn copy(t: hid_t) -> Handle {
    // SAFETY: `t` is a valid type id.
    handle(unsafe { h5t::H5Tcopy(t) }, h5t::H5Tclose, "H5Tcopy")
}

fn string_type(size: Option<usize>, pad: h5t::H5T_str_t, utf8: bool) -> Handle {
    let t = copy(pre(h5t::H5T_C_S1));
    let cset = if utf8 {
        h5t::H5T_cset_t::H5T_CSET_UTF8
    } else {
        h5t::H5T_cset_t::H5T_CSET_ASCII
    };
    // SAFETY: `t` is a transient string type.
    unsafe {
        ck(
            h5t::H5Tset_size(t.id(), size.unwrap_or(h5t::H5T_VARIABLE)),
            "H5Tset_size",
        );
        ck(h5t::H5Tset_strpad(t.id(), pad), "H5Tset_strpad");
        ck(h5t::H5Tset_cset(t.id(), cset), "H5Tset_cset");
    }
    t
}

fn npoints(space: &Handle) -> usize {
    // SAFETY: `space` is open.
    let n = unsafe { h5s::H5Sget_simple_extent_npoints(space.id()) };
    usize::try_from(n).unwrap()
}

fn type_size(t: hid_t) -> usize {
    // SAFETY: `t` is a valid type id.
    unsafe { h5t::H5Tget_size(t) }
}

struct Maker {
    file: Handle,
    path: PathBuf,
}

impl Maker {
    fn new(name: &str) -> Maker {
        c_ffi::init();
        let path = std::env::temp_dir().join(format!(
            "h5oxide-walk-unit-{}-{name}.h5",
            std::process::id()
        ));
        let cpath = cs(path.to_str().unwrap());
        // SAFETY: `cpath` is NUL-terminated; default property lists.
        let id = unsafe {
            h5f::H5Fcreate(
                cpath.as_ptr(),
                h5f::H5F_ACC_TRUNC,
                h5p::H5P_DEFAULT,
                h5p::H5P_DEFAULT,
            )
        };
        Maker {
            file: handle(id, h5f::H5Fclose, "H5Fcreate"),
            path,
        }
    }

    fn group(&self, path: &str) {
        let p = cs(path);
        // SAFETY: `p` is NUL-terminated; the handle closes the new group.
        let id = unsafe {
            h5g::H5Gcreate2(
                self.file.id(),
                p.as_ptr(),
                h5p::H5P_DEFAULT,
                h5p::H5P_DEFAULT,
                h5p::H5P_DEFAULT,
            )
        };
        handle(id, h5g::H5Gclose, "H5Gcreate2");
    }

    /// Creates a dataset and writes `data` (which must cover every element in `mtype`).
    fn dataset<T>(
        &self,
        name: &str,
        ftype: hid_t,
        sp: &Handle,
        mtype: hid_t,
        data: &[T],
        dcpl: hid_t,
    ) {
        let n = cs(name);
        // SAFETY: all ids are valid; the handle closes the dataset.
        let id = unsafe {
            h5d::H5Dcreate2(
                self.file.id(),
                n.as_ptr(),
                ftype,
                sp.id(),
                h5p::H5P_DEFAULT,
                dcpl,
                h5p::H5P_DEFAULT,
            )
        };
        let ds = handle(id, h5d::H5Dclose, "H5Dcreate2");
        if npoints(sp) == 0 || data.is_empty() {
            return;
        }
        assert!(std::mem::size_of_val(data) >= npoints(sp) * type_size(mtype));
        // SAFETY: `data` covers every element of the dataspace in `mtype`'s size (asserted).
        let ret = unsafe {
            h5d::H5Dwrite(
                ds.id(),
                mtype,
                h5s::H5S_ALL,
                h5s::H5S_ALL,
                h5p::H5P_DEFAULT,
                data.as_ptr() as *const c_void,
            )
        };
        ck(ret, "H5Dwrite");
    }

    fn attr<T>(&self, obj: &str, name: &str, ftype: hid_t, sp: &Handle, mtype: hid_t, data: &[T]) {
        let (o, n) = (cs(obj), cs(name));
        // SAFETY: all ids are valid; handles close what is opened.
        let oid =
            unsafe { hdf5_metno_sys::h5o::H5Oopen(self.file.id(), o.as_ptr(), h5p::H5P_DEFAULT) };
        let obj = handle(oid, hdf5_metno_sys::h5o::H5Oclose, "H5Oopen");
        let aid = unsafe {
            h5a::H5Acreate2(
                obj.id(),
                n.as_ptr(),
                ftype,
                sp.id(),
                h5p::H5P_DEFAULT,
                h5p::H5P_DEFAULT,
            )
        };
        let a = handle(aid, h5a::H5Aclose, "H5Acreate2");
        if npoints(sp) == 0 || data.is_empty() {
            return;
        }
        assert!(std::mem::size_of_val(data) >= npoints(sp) * type_size(mtype));
        // SAFETY: `data` covers every element in `mtype`'s size (asserted).
        ck(
            unsafe { h5a::H5Awrite(a.id(), mtype, data.as_ptr() as *const c_void) },
            "H5Awrite",
        );
    }

    fn soft(&self, target: &str, name: &str) {
        let (t, n) = (cs(target), cs(name));
        // SAFETY: NUL-terminated strings, valid file id.
        ck(
            unsafe {
                h5l::H5Lcreate_soft(
                    t.as_ptr(),
                    self.file.id(),
                    n.as_ptr(),
                    h5p::H5P_DEFAULT,
                    h5p::H5P_DEFAULT,
                )
            },
            "H5Lcreate_soft",
        );
    }

    fn hard(&self, target: &str, name: &str) {
        let (t, n) = (cs(target), cs(name));
        // SAFETY: NUL-terminated strings, valid file id.
        ck(
            unsafe {
                h5l::H5Lcreate_hard(
                    self.file.id(),
                    t.as_ptr(),
                    self.file.id(),
                    n.as_ptr(),
                    h5p::H5P_DEFAULT,
                    h5p::H5P_DEFAULT,
                )
            },
            "H5Lcreate_hard",
        );
    }

    fn external(&self, file: &str, obj: &str, name: &str) {
        let (f, o, n) = (cs(file), cs(obj), cs(name));
        // SAFETY: NUL-terminated strings, valid file id.
        ck(
            unsafe {
                h5l::H5Lcreate_external(
                    f.as_ptr(),
                    o.as_ptr(),
                    self.file.id(),
                    n.as_ptr(),
                    h5p::H5P_DEFAULT,
                    h5p::H5P_DEFAULT,
                )
            },
            "H5Lcreate_external",
        );
    }

    fn commit(&self, name: &str, t: &Handle) {
        let n = cs(name);
        // SAFETY: valid ids; `n` NUL-terminated.
        ck(
            unsafe {
                h5t::H5Tcommit2(
                    self.file.id(),
                    n.as_ptr(),
                    t.id(),
                    h5p::H5P_DEFAULT,
                    h5p::H5P_DEFAULT,
                    h5p::H5P_DEFAULT,
                )
            },
            "H5Tcommit2",
        );
    }

    /// Closes the file and walks it.
    fn walk(self) -> Walk {
        let path = self.close();
        let w = c_walk(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        w
    }

    /// Closes the file and returns its path.
    fn close(self) -> PathBuf {
        drop(self.file);
        self.path
    }

    /// Creates a dataset with a creation property list and returns it open.
    fn dataset_open(&self, name: &str, ftype: hid_t, sp: &Handle, dcpl: hid_t) -> Handle {
        let n = cs(name);
        // SAFETY: all ids are valid; the handle closes the dataset.
        let id = unsafe {
            h5d::H5Dcreate2(
                self.file.id(),
                n.as_ptr(),
                ftype,
                sp.id(),
                h5p::H5P_DEFAULT,
                dcpl,
                h5p::H5P_DEFAULT,
            )
        };
        handle(id, h5d::H5Dclose, "H5Dcreate2")
    }
}

fn obj<'a>(w: &'a Walk, path: &str) -> &'a Object {
    w.objects
        .iter()
        .find(|o| o.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
}

fn values(w: &Walk, path: &str) -> Value {
    obj(w, path).values.clone().unwrap()
}

#[test]
fn links_groups_and_cycles() {
    let _lock = c_ffi::hdf5_lock();
    let m = Maker::new("links");
    m.group("/b");
    m.group("/b/c");
    m.hard("/b", "/b/c/up");
    m.hard("/b/c", "/a");
    m.soft("/b/c", "/s");
    m.soft("/nowhere/x", "/dangling");
    m.external("other.h5", "/x/y", "/ext");
    let w = m.walk();
    assert!(w.file.starts_with("h5oxide-walk-unit-"));
    let paths: Vec<(&str, Kind)> = w
        .objects
        .iter()
        .map(|o| (o.path.as_str(), o.kind))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("/", Kind::Group),
            ("/a", Kind::Group),
            // `/a` is the group `/b/c`: walked again under its own name.
            ("/a/up", Kind::Group),
            ("/a/up/c", Kind::Group),
            ("/b", Kind::Group),
            ("/b/c", Kind::Group),
            // `up` leads back to `/b`, an ancestor: listed, not entered.
            ("/b/c/up", Kind::Group),
            ("/dangling", Kind::DanglingSoftLink),
            ("/ext", Kind::ExternalLink),
            ("/s", Kind::SoftLink),
        ]
    );
    // `/a/up/c` is `/b/c` again, whose ancestor `/a` is the same group: not entered.
    assert_eq!(obj(&w, "/s").target.as_deref(), Some("/b/c"));
    assert_eq!(obj(&w, "/dangling").target.as_deref(), Some("/nowhere/x"));
    let e = obj(&w, "/ext");
    assert_eq!(e.target_file.as_deref(), Some("other.h5"));
    assert_eq!(e.target_path.as_deref(), Some("/x/y"));
    assert!(e.attrs.is_none() && obj(&w, "/s").attrs.is_none());
    assert_eq!(obj(&w, "/b").attrs, Some(vec![]));
}

#[test]
fn integers_and_floats_keep_stored_order_and_bits() {
    let _lock = c_ffi::hdf5_lock();
    let m = Maker::new("numbers");
    let s23 = space(Some(&[2, 3]), None);
    let v: [i16; 6] = [1, -2, 3, -4, 5, i16::MIN];
    m.dataset(
        "/be16",
        pre(h5t::H5T_STD_I16BE),
        &s23,
        pre(h5t::H5T_NATIVE_SHORT),
        &v,
        h5p::H5P_DEFAULT,
    );
    let s2 = space(Some(&[2]), None);
    let u: [u64; 2] = [u64::MAX, 7];
    m.dataset(
        "/u64",
        pre(h5t::H5T_STD_U64LE),
        &s2,
        pre(h5t::H5T_NATIVE_ULLONG),
        &u,
        h5p::H5P_DEFAULT,
    );
    let b: [i8; 2] = [-1, 127];
    m.dataset(
        "/i8",
        pre(h5t::H5T_STD_I8BE),
        &s2,
        pre(h5t::H5T_NATIVE_SCHAR),
        &b,
        h5p::H5P_DEFAULT,
    );
    let f: [f32; 2] = [1.0, -0.0];
    m.dataset(
        "/f32be",
        pre(h5t::H5T_IEEE_F32BE),
        &s2,
        pre(h5t::H5T_NATIVE_FLOAT),
        &f,
        h5p::H5P_DEFAULT,
    );
    let nan: [u64; 1] = [0x7ff8_0000_0000_1234];
    let s1 = space(Some(&[1]), None);
    m.dataset(
        "/nan",
        pre(h5t::H5T_IEEE_F64LE),
        &s1,
        pre(h5t::H5T_IEEE_F64LE),
        &nan,
        h5p::H5P_DEFAULT,
    );
    // IEEE half, built from a float type: written raw, no conversion.
    let half = copy(pre(h5t::H5T_IEEE_F32LE));
    // SAFETY: `half` is a transient float type; fields fit in 16 bits.
    unsafe {
        ck(
            h5t::H5Tset_fields(half.id(), 15, 10, 5, 0, 10),
            "H5Tset_fields",
        );
        ck(h5t::H5Tset_precision(half.id(), 16), "H5Tset_precision");
        ck(h5t::H5Tset_size(half.id(), 2), "H5Tset_size");
        ck(h5t::H5Tset_ebias(half.id(), 15), "H5Tset_ebias");
    }
    let hv: [u16; 2] = [0x3c00, 0xc000];
    m.dataset("/f16", half.id(), &s2, half.id(), &hv, h5p::H5P_DEFAULT);
    // A non-IEEE layout: 3-byte float.
    let odd = copy(half.id());
    // SAFETY: transient float type; fields fit in 24 bits.
    unsafe {
        ck(h5t::H5Tset_size(odd.id(), 3), "H5Tset_size");
        ck(h5t::H5Tset_precision(odd.id(), 24), "H5Tset_precision");
        ck(
            h5t::H5Tset_fields(odd.id(), 23, 16, 7, 0, 16),
            "H5Tset_fields",
        );
        ck(h5t::H5Tset_ebias(odd.id(), 63), "H5Tset_ebias");
    }
    let ov: [u8; 3] = [0x01, 0x02, 0x03];
    m.dataset("/f24", odd.id(), &s1, odd.id(), &ov, h5p::H5P_DEFAULT);
    let w = m.walk();
    let be = obj(&w, "/be16");
    assert_eq!(be.dtype.as_deref(), Some(">i2"));
    assert_eq!(be.shape, Some(Some(vec![2, 3])));
    assert_eq!(be.maxshape, Some(Some(vec![Some(2), Some(3)])));
    assert_eq!(values(&w, "/be16"), json!([[1, -2, 3], [-4, 5, -32768]]));
    assert_eq!(obj(&w, "/u64").dtype.as_deref(), Some("<u8"));
    assert_eq!(values(&w, "/u64"), json!([18446744073709551615u64, 7]));
    assert_eq!(obj(&w, "/i8").dtype.as_deref(), Some("|i1"));
    assert_eq!(values(&w, "/i8"), json!([-1, 127]));
    assert_eq!(obj(&w, "/f32be").dtype.as_deref(), Some(">f4"));
    assert_eq!(values(&w, "/f32be"), json!(["0x3f800000", "0x80000000"]));
    assert_eq!(values(&w, "/nan"), json!(["0x7ff8000000001234"]));
    assert_eq!(obj(&w, "/f16").dtype.as_deref(), Some("<f2"));
    assert_eq!(values(&w, "/f16"), json!(["0x3c00", "0xc000"]));
    assert_eq!(
        obj(&w, "/f24").dtype.as_deref(),
        Some("float(<3,s23,e16:7,m0:16,b63)")
    );
    assert_eq!(values(&w, "/f24"), json!(["0x030201"]));
}

#[test]
fn strings_fixed_and_variable() {
    let _lock = c_ffi::hdf5_lock();
    let m = Maker::new("strings");
    let s2 = space(Some(&[2]), None);
    let sp = string_type(Some(5), h5t::H5T_str_t::H5T_STR_SPACEPAD, false);
    m.dataset(
        "/space",
        sp.id(),
        &s2,
        sp.id(),
        b"ab   x y  ",
        h5p::H5P_DEFAULT,
    );
    let np = string_type(Some(4), h5t::H5T_str_t::H5T_STR_NULLPAD, true);
    m.dataset(
        "/nullpad",
        np.id(),
        &s2,
        np.id(),
        b"\xc3\xa9\0\0\xff\x01\0\0",
        h5p::H5P_DEFAULT,
    );
    let vs = string_type(None, h5t::H5T_str_t::H5T_STR_NULLTERM, true);
    let hello = cs("h\u{e9}llo");
    let ptrs: [*const c_char; 2] = [hello.as_ptr(), std::ptr::null()];
    m.dataset("/vlen", vs.id(), &s2, vs.id(), &ptrs, h5p::H5P_DEFAULT);
    let scalar = space(None, None);
    let one: [*const c_char; 1] = [hello.as_ptr()];
    m.dataset("/scalar", vs.id(), &scalar, vs.id(), &one, h5p::H5P_DEFAULT);
    let w = m.walk();
    assert_eq!(
        obj(&w, "/space").dtype.as_deref(),
        Some("|S5:spacepad:ascii")
    );
    assert_eq!(values(&w, "/space"), json!(["ab", "x y"]));
    assert_eq!(
        obj(&w, "/nullpad").dtype.as_deref(),
        Some("|S4:nullpad:utf8")
    );
    assert_eq!(values(&w, "/nullpad"), json!(["\u{e9}", {"bytes": "ff01"}]));
    assert_eq!(obj(&w, "/vlen").dtype.as_deref(), Some("str:nullterm:utf8"));
    assert_eq!(values(&w, "/vlen"), json!(["h\u{e9}llo", null]));
    let sc = obj(&w, "/scalar");
    assert_eq!(sc.shape, Some(Some(vec![])));
    assert_eq!(sc.maxshape, Some(None));
    assert_eq!(sc.values, Some(json!("h\u{e9}llo")));
}

#[repr(C)]
struct Rec {
    a: i32,
    s: *const c_char,
    d: f64,
}

#[test]
fn compound_enum_array_vlen_opaque_bitfield() {
    let _lock = c_ffi::hdf5_lock();
    let m = Maker::new("derived");
    let s2 = space(Some(&[2]), None);
    let vs = string_type(None, h5t::H5T_str_t::H5T_STR_NULLTERM, false);
    // SAFETY: building transient types from valid ids; member offsets fit the size.
    let ct = handle(
        unsafe { h5t::H5Tcreate(h5t::H5T_class_t::H5T_COMPOUND, std::mem::size_of::<Rec>()) },
        h5t::H5Tclose,
        "H5Tcreate",
    );
    for (name, off, t) in [
        ("a", 0usize, pre(h5t::H5T_NATIVE_INT)),
        ("s", 8, vs.id()),
        ("d", 16, pre(h5t::H5T_NATIVE_DOUBLE)),
    ] {
        let n = cs(name);
        // SAFETY: valid ids, NUL-terminated name.
        ck(
            unsafe { h5t::H5Tinsert(ct.id(), n.as_ptr(), off, t) },
            "H5Tinsert",
        );
    }
    let x = cs("x");
    let recs = [
        Rec {
            a: 7,
            s: x.as_ptr(),
            d: 0.5,
        },
        Rec {
            a: -1,
            s: std::ptr::null(),
            d: -2.0,
        },
    ];
    m.dataset("/comp", ct.id(), &s2, ct.id(), &recs, h5p::H5P_DEFAULT);

    // SAFETY: enum over a valid base type; values are one byte each.
    let et = handle(
        unsafe { h5t::H5Tenum_create(pre(h5t::H5T_STD_I8LE)) },
        h5t::H5Tclose,
        "H5Tenum_create",
    );
    for (name, v) in [("OFF", 0i8), ("ON", 1), ("NEG", -3)] {
        let n = cs(name);
        // SAFETY: `v` is one byte, the enum's size.
        ck(
            unsafe { h5t::H5Tenum_insert(et.id(), n.as_ptr(), &v as *const i8 as *const c_void) },
            "H5Tenum_insert",
        );
    }
    m.commit("/named_enum", &et);
    let ev: [i8; 2] = [1, -3];
    m.dataset("/enum", et.id(), &s2, et.id(), &ev, h5p::H5P_DEFAULT);

    let dims: [hsize_t; 2] = [2, 2];
    // SAFETY: rank 2 dims array.
    let at = handle(
        unsafe { h5t::H5Tarray_create2(pre(h5t::H5T_STD_U16BE), 2, dims.as_ptr()) },
        h5t::H5Tclose,
        "H5Tarray_create2",
    );
    let am = handle(
        unsafe { h5t::H5Tarray_create2(pre(h5t::H5T_NATIVE_USHORT), 2, dims.as_ptr()) },
        h5t::H5Tclose,
        "H5Tarray_create2",
    );
    let s1 = space(Some(&[1]), None);
    let av: [u16; 4] = [1, 2, 3, 0xffff];
    m.dataset("/array", at.id(), &s1, am.id(), &av, h5p::H5P_DEFAULT);

    // SAFETY: vlen over valid base types.
    let vt = handle(
        unsafe { h5t::H5Tvlen_create(pre(h5t::H5T_STD_I32BE)) },
        h5t::H5Tclose,
        "H5Tvlen_create",
    );
    let vm = handle(
        unsafe { h5t::H5Tvlen_create(pre(h5t::H5T_NATIVE_INT)) },
        h5t::H5Tclose,
        "H5Tvlen_create",
    );
    let seq: [i32; 3] = [5, -6, 7];
    let hv = [
        h5t::hvl_t {
            len: 3,
            p: seq.as_ptr() as *mut c_void,
        },
        h5t::hvl_t {
            len: 0,
            p: std::ptr::null_mut(),
        },
    ];
    m.dataset("/vlen", vt.id(), &s2, vm.id(), &hv, h5p::H5P_DEFAULT);

    // SAFETY: opaque type of 3 bytes with a tag.
    let ot = handle(
        unsafe { h5t::H5Tcreate(h5t::H5T_class_t::H5T_OPAQUE, 3) },
        h5t::H5Tclose,
        "H5Tcreate",
    );
    let tag = cs("my tag");
    ck(
        unsafe { h5t::H5Tset_tag(ot.id(), tag.as_ptr()) },
        "H5Tset_tag",
    );
    m.dataset(
        "/opaque",
        ot.id(),
        &s2,
        ot.id(),
        &[1u8, 2, 3, 4, 5, 6],
        h5p::H5P_DEFAULT,
    );
    let bv: [u16; 2] = [0x0102, 0xff00];
    m.dataset(
        "/bits",
        pre(h5t::H5T_STD_B16BE),
        &s2,
        pre(h5t::H5T_NATIVE_B16),
        &bv,
        h5p::H5P_DEFAULT,
    );
    m.dataset(
        "/bits8",
        pre(h5t::H5T_STD_B8LE),
        &s1,
        pre(h5t::H5T_NATIVE_B8),
        &[0xa5u8],
        h5p::H5P_DEFAULT,
    );
    let w = m.walk();

    // On disk the vlen string member takes 16 bytes (length + heap ID), moving `d` to 24.
    assert_eq!(
        obj(&w, "/comp").dtype.as_deref(),
        Some("compound(32)[a@0:<i4,s@8:str:nullterm:ascii,d@24:<f8]")
    );
    assert_eq!(
        values(&w, "/comp"),
        json!([{"a": 7, "s": "x", "d": "0x3fe0000000000000"},
               {"a": -1, "s": null, "d": "0xc000000000000000"}])
    );
    let enum_desc = "enum(|i1)[OFF=0,ON=1,NEG=-3]";
    assert_eq!(obj(&w, "/enum").dtype.as_deref(), Some(enum_desc));
    assert_eq!(values(&w, "/enum"), json!([1, -3]));
    let named = obj(&w, "/named_enum");
    assert_eq!(
        (named.kind, named.dtype.as_deref()),
        (Kind::Datatype, Some(enum_desc))
    );
    assert!(named.values.is_none() && named.shape.is_none());
    assert_eq!(obj(&w, "/array").dtype.as_deref(), Some("array(>u2,[2,2])"));
    assert_eq!(values(&w, "/array"), json!([[[1, 2], [3, 65535]]]));
    assert_eq!(obj(&w, "/vlen").dtype.as_deref(), Some("vlen(>i4)"));
    assert_eq!(values(&w, "/vlen"), json!([[5, -6, 7], []]));
    assert_eq!(
        obj(&w, "/opaque").dtype.as_deref(),
        Some("opaque(3,\"my tag\")")
    );
    assert_eq!(values(&w, "/opaque"), json!(["010203", "040506"]));
    assert_eq!(obj(&w, "/bits").dtype.as_deref(), Some("bitfield(>2)"));
    assert_eq!(values(&w, "/bits"), json!(["0102", "ff00"]));
    assert_eq!(obj(&w, "/bits8").dtype.as_deref(), Some("bitfield(|1)"));
    assert_eq!(values(&w, "/bits8"), json!(["a5"]));
}

#[test]
fn object_and_region_references() {
    let _lock = c_ffi::hdf5_lock();
    let m = Maker::new("refs");
    m.group("/g");
    let s23 = space(Some(&[2, 3]), None);
    let v = [0i32; 6];
    m.dataset(
        "/target",
        pre(h5t::H5T_STD_I32LE),
        &s23,
        pre(h5t::H5T_NATIVE_INT),
        &v,
        h5p::H5P_DEFAULT,
    );
    let mut orefs = [0u64; 3];
    for (slot, name) in orefs.iter_mut().zip(["/g", "/target"]) {
        let n = cs(name);
        // SAFETY: `slot` is an 8-byte hobj_ref_t; -1 is the documented "no space" id.
        ck(
            unsafe {
                h5r::H5Rcreate(
                    slot as *mut u64 as *mut c_void,
                    m.file.id(),
                    n.as_ptr(),
                    h5r::H5R_type_t::H5R_OBJECT,
                    -1,
                )
            },
            "H5Rcreate",
        );
    }
    let s3 = space(Some(&[3]), None);
    m.dataset(
        "/orefs",
        pre(h5t::H5T_STD_REF_OBJ),
        &s3,
        pre(h5t::H5T_STD_REF_OBJ),
        &orefs,
        h5p::H5P_DEFAULT,
    );

    let sel = space(Some(&[2, 3]), None);
    let mut rrefs = [[0u8; 12]; 4];
    let target = cs("/target");
    let make = |slot: &mut [u8; 12]| {
        // SAFETY: `slot` is a 12-byte hdset_reg_ref_t; `sel` is a dataspace of the target's
        // extent.
        ck(
            unsafe {
                h5r::H5Rcreate(
                    slot.as_mut_ptr() as *mut c_void,
                    m.file.id(),
                    target.as_ptr(),
                    h5r::H5R_type_t::H5R_DATASET_REGION,
                    sel.id(),
                )
            },
            "H5Rcreate",
        );
    };
    let pts: [hsize_t; 4] = [0, 1, 1, 2];
    // SAFETY: two points of rank 2.
    ck(
        unsafe {
            h5s::H5Sselect_elements(
                sel.id(),
                h5s::H5S_seloper_t::H5S_SELECT_SET,
                2,
                pts.as_ptr(),
            )
        },
        "H5Sselect_elements",
    );
    make(&mut rrefs[0]);
    let (start, count): ([hsize_t; 2], [hsize_t; 2]) = ([0, 1], [2, 2]);
    // SAFETY: rank-2 start and count; null stride and block mean 1.
    ck(
        unsafe {
            h5s::H5Sselect_hyperslab(
                sel.id(),
                h5s::H5S_seloper_t::H5S_SELECT_SET,
                start.as_ptr(),
                std::ptr::null(),
                count.as_ptr(),
                std::ptr::null(),
            )
        },
        "H5Sselect_hyperslab",
    );
    make(&mut rrefs[1]);
    // SAFETY: `sel` is open.
    ck(unsafe { h5s::H5Sselect_all(sel.id()) }, "H5Sselect_all");
    make(&mut rrefs[2]);
    let s4 = space(Some(&[4]), None);
    m.dataset(
        "/rrefs",
        pre(h5t::H5T_STD_REF_DSETREG),
        &s4,
        pre(h5t::H5T_STD_REF_DSETREG),
        &rrefs,
        h5p::H5P_DEFAULT,
    );
    let w = m.walk();
    assert_eq!(obj(&w, "/orefs").dtype.as_deref(), Some("ref(object)"));
    assert_eq!(values(&w, "/orefs"), json!(["/g", "/target", null]));
    assert_eq!(obj(&w, "/rrefs").dtype.as_deref(), Some("ref(region)"));
    assert_eq!(
        values(&w, "/rrefs"),
        json!([
            {"object": "/target", "selection": {"points": [[0, 1], [1, 2]]}},
            {"object": "/target", "selection": {"blocks": [[[0, 1], [1, 2]]]}},
            {"object": "/target", "selection": "all"},
            null
        ])
    );
}

#[test]
fn dataspaces_limits_and_attributes() {
    let _lock = c_ffi::hdf5_lock();
    let m = Maker::new("spaces");
    let ns = null_space();
    m.dataset::<u8>(
        "/null",
        pre(h5t::H5T_IEEE_F32BE),
        &ns,
        pre(h5t::H5T_NATIVE_FLOAT),
        &[],
        h5p::H5P_DEFAULT,
    );
    // SAFETY: plain property list constructor; the handle closes it.
    let dcpl = handle(
        unsafe { h5p::H5Pcreate(*h5p::H5P_CLS_DATASET_CREATE) },
        h5p::H5Pclose,
        "H5Pcreate",
    );
    let chunk: [hsize_t; 2] = [4, 3];
    // SAFETY: rank-2 chunk dims.
    ck(
        unsafe { h5p::H5Pset_chunk(dcpl.id(), 2, chunk.as_ptr()) },
        "H5Pset_chunk",
    );
    let empty = space(Some(&[0, 3]), Some(&[h5s::H5S_UNLIMITED, 3]));
    m.dataset::<u8>(
        "/empty",
        pre(h5t::H5T_STD_I32LE),
        &empty,
        pre(h5t::H5T_NATIVE_INT),
        &[],
        dcpl.id(),
    );
    let big = space(Some(&[40, 30]), None);
    let data: Vec<i32> = (0..1200).collect();
    m.dataset(
        "/big",
        pre(h5t::H5T_STD_I32BE),
        &big,
        pre(h5t::H5T_NATIVE_INT),
        &data,
        h5p::H5P_DEFAULT,
    );
    // Attributes created out of name order, on the root and on a dataset.
    let sc = space(None, None);
    m.attr(
        "/",
        "zeta",
        pre(h5t::H5T_STD_U8LE),
        &sc,
        pre(h5t::H5T_NATIVE_UCHAR),
        &[9u8],
    );
    m.attr(
        "/",
        "alpha",
        pre(h5t::H5T_IEEE_F64BE),
        &sc,
        pre(h5t::H5T_NATIVE_DOUBLE),
        &[1.0f64],
    );
    m.attr(
        "/big",
        "none",
        pre(h5t::H5T_STD_I16LE),
        &ns,
        pre(h5t::H5T_NATIVE_SHORT),
        &[0i16],
    );
    let s2 = space(Some(&[2]), None);
    m.attr(
        "/big",
        "pair",
        pre(h5t::H5T_STD_I16LE),
        &s2,
        pre(h5t::H5T_NATIVE_SHORT),
        &[3i16, -4],
    );
    let w = m.walk();

    let n = obj(&w, "/null");
    assert_eq!(
        (n.shape.clone(), n.maxshape.clone()),
        (Some(None), Some(None))
    );
    assert_eq!(n.values, Some(Value::Null));
    let e = obj(&w, "/empty");
    assert_eq!(e.shape, Some(Some(vec![0, 3])));
    assert_eq!(e.maxshape, Some(Some(vec![None, Some(3)])));
    assert_eq!(e.values, Some(json!([])));
    let b = obj(&w, "/big");
    assert_eq!(b.values_total, Some(1200));
    let vals = b.values.as_ref().unwrap().as_array().unwrap();
    assert_eq!(vals.len(), 1000);
    assert_eq!((vals[0].clone(), vals[999].clone()), (json!(0), json!(999)));

    let root = obj(&w, "/").attrs.clone().unwrap();
    let names: Vec<&str> = root.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["alpha", "zeta"]);
    assert_eq!(root[0].dtype, ">f8");
    assert_eq!(
        (root[0].shape.clone(), root[0].values.clone()),
        (Some(vec![]), json!("0x3ff0000000000000"))
    );
    assert_eq!(root[1].values, json!(9));
    let battrs = b.attrs.clone().unwrap();
    assert_eq!(
        (
            battrs[0].name.as_str(),
            battrs[0].shape.clone(),
            battrs[0].values.clone()
        ),
        ("none", None, Value::Null)
    );
    assert_eq!(
        (battrs[1].shape.clone(), battrs[1].values.clone()),
        (Some(vec![2]), json!([3, -4]))
    );
}

#[test]
fn missing_file_is_an_error_naming_the_call() {
    let err = c_walk(std::path::Path::new("/nonexistent/x.h5")).unwrap_err();
    assert!(
        err.contains("H5Fopen") && err.contains("/nonexistent/x.h5"),
        "{err}"
    );
}

fn dcpl() -> Handle {
    // SAFETY: plain property list constructor; the handle closes it.
    handle(
        unsafe { h5p::H5Pcreate(*h5p::H5P_CLS_DATASET_CREATE) },
        h5p::H5Pclose,
        "H5Pcreate",
    )
}

#[test]
fn external_raw_data_resolves_next_to_the_file_and_missing_data_is_an_error_value() {
    let _lock = c_ffi::hdf5_lock();
    let m = Maker::new("external");
    let raw_name = format!("h5oxide-walk-unit-{}.raw", std::process::id());
    let p = dcpl();
    let n = cs(&raw_name);
    // SAFETY: `n` is NUL-terminated; 16 bytes hold the 4 elements.
    ck(
        unsafe { h5p::H5Pset_external(p.id(), n.as_ptr(), 0, 16) },
        "H5Pset_external",
    );
    let s4 = space(Some(&[4]), None);
    m.dataset(
        "/ext",
        pre(h5t::H5T_STD_I32LE),
        &s4,
        pre(h5t::H5T_NATIVE_INT),
        &[1i32, 2, 3, -4],
        p.id(),
    );
    let path = m.close();
    let raw = path.parent().unwrap().join(&raw_name);
    assert!(raw.exists(), "raw data not written next to the file");
    let w = c_walk(&path).unwrap();
    assert_eq!(values(&w, "/ext"), json!([1, 2, 3, -4]));
    std::fs::remove_file(&raw).unwrap();
    let w = c_walk(&path).unwrap();
    assert_eq!(
        values(&w, "/ext"),
        json!({"error": "external raw data unreadable"})
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn unavailable_filter_gives_an_error_value() {
    let _lock = c_ffi::hdf5_lock();
    let m = Maker::new("zstd");
    let p = dcpl();
    let chunk: [hsize_t; 1] = [4];
    // SAFETY: rank-1 chunk; Zstandard (32015) is optional, so creation succeeds without it.
    unsafe {
        ck(h5p::H5Pset_chunk(p.id(), 1, chunk.as_ptr()), "H5Pset_chunk");
        ck(
            h5p::H5Pset_filter(
                p.id(),
                32015,
                hdf5_metno_sys::h5z::H5Z_FLAG_OPTIONAL,
                0,
                std::ptr::null(),
            ),
            "H5Pset_filter",
        );
    }
    let s8 = space(Some(&[8]), None);
    let ds = m.dataset_open("/z", pre(h5t::H5T_STD_U8LE), &s8, p.id());
    // One chunk stored as if compressed (filter mask 0): reading it needs the filter.
    let offset: [hsize_t; 1] = [0];
    let bytes = [1u8, 2, 3, 4];
    // SAFETY: `bytes` has the 4 bytes announced.
    ck(
        unsafe {
            h5d::H5Dwrite_chunk(
                ds.id(),
                h5p::H5P_DEFAULT,
                0,
                offset.as_ptr(),
                4,
                bytes.as_ptr() as *const c_void,
            )
        },
        "H5Dwrite_chunk",
    );
    drop(ds);
    let w = m.walk();
    let z = obj(&w, "/z");
    assert_eq!(z.dtype.as_deref(), Some("|u1"));
    assert_eq!(z.values, Some(json!({"error": "filter 32015 unavailable"})));
}
