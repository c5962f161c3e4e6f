//! Typed reads of datasets and attributes into vectors and `ndarray` arrays, the way
//! hdf5-rust reads them: `read_raw`, `read::<T, D>`, `read_1d`, `read_2d`, `read_dyn`,
//! `read_scalar`, `read_slice(s![..])`, `read_into`.
//!
//! ```no_run
//! use ndarray::s;
//! let file = h5oxide::File::open("data.h5")?;
//! let ds = file.root().dataset("images")?;
//! let all: ndarray::Array2<f32> = ds.read_2d()?;
//! let row: ndarray::Array1<f32> = ds.read_slice_1d(s![5, ..])?;
//! let every_third: ndarray::Array2<f32> = ds.read_slice_2d(s![2..10;3, ..])?;
//! # Ok::<(), h5oxide::Error>(())
//! ```

use h5oxide_format::object_header::message::dataspace::DataspaceKind;
use ndarray::{
    Array, Array1, Array2, ArrayD, Dimension, Ix1, Ix2, IxDyn, SliceInfo, SliceInfoElem,
};

use crate::attribute::{Attribute, Attributes};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::h5type::{Decoder, H5Type, Heap};
use crate::selection::{DimSlice, Selection};

/// A selection of a dataset's elements given the way ndarray slices arrays: `s![..]`
/// ([`SliceInfo`]), a slice of [`SliceInfoElem`], or an h5oxide [`Selection`].
///
/// Slices follow ndarray: `start..end;step` with negative `start`/`end` counted from the end
/// of the axis and `end` before `start` selecting nothing; a single index selects one position
/// and drops the axis; `NewAxis` adds an axis of length 1; axes not mentioned are taken whole.
/// Unlike ndarray, steps must be at least 1 (HDF5 selections cannot go backwards), and
/// indices past an axis are errors, not panics.
///
/// ```
/// use h5oxide::ndarray::{array, s};
/// use h5oxide::{DimSlice, Selection};
/// // h5dump: compact is 4 x 5, element (i, j) = 35 i + 7 j.
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
/// let ds = h5oxide::File::open(path)?.root().dataset("compact")?;
/// // Rows 1 and 3, the last two columns.
/// assert_eq!(ds.read_slice_2d::<i32, _>(s![1..;2, -2..])?, array![[56, 63], [126, 133]]);
/// // The same with an h5oxide selection.
/// let rows = DimSlice { start: 1, step: 2, count: 2 };
/// let cols = DimSlice { start: 3, step: 1, count: 2 };
/// let sel = Selection::new(vec![rows, cols], &[4, 5])?;
/// assert_eq!(ds.read_slice_2d::<i32, _>(&sel)?, array![[56, 63], [126, 133]]);
/// // Steps below 1 cannot be read.
/// assert!(ds.read_slice_2d::<i32, _>(s![..;-1, ..]).is_err());
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub trait SliceSpec {
    /// The selection on a dataset of shape `shape` and the shape of the result.
    ///
    /// # Errors
    /// `Usage` for indices outside the shape, a step below 1, or too many indices.
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)>;
}

/// `i` counted from the end of an axis of length `len` when negative.
fn absolute(len: u64, i: isize) -> Result<u64> {
    if i < 0 {
        len.checked_sub(i.unsigned_abs() as u64).ok_or(Error::Usage(
            "negative index reaches before the start of an axis",
        ))
    } else {
        Ok(i as u64)
    }
}

fn resolve_elems(elems: &[SliceInfoElem], shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
    let mut dims = Vec::with_capacity(shape.len());
    let mut out = Vec::with_capacity(elems.len() + shape.len());
    let mut axes = shape.iter();
    for e in elems {
        let mut next = || {
            axes.next()
                .copied()
                .ok_or(Error::Usage("more slice indices than dataset dimensions"))
        };
        match *e {
            SliceInfoElem::NewAxis => out.push(1),
            SliceInfoElem::Index(i) => {
                let len = next()?;
                let i = absolute(len, i)?;
                if i >= len {
                    return Err(Error::Usage("index past the end of an axis"));
                }
                dims.push(DimSlice {
                    start: i,
                    step: 1,
                    count: 1,
                });
            }
            SliceInfoElem::Slice { start, end, step } => {
                let len = next()?;
                if step < 1 {
                    return Err(Error::Usage(
                        "slice step must be at least 1 (HDF5 cannot read backwards)",
                    ));
                }
                let step = step as u64;
                let start = absolute(len, start)?;
                let end = match end {
                    Some(e) => absolute(len, e)?,
                    None => len,
                };
                if start > len || end > len {
                    return Err(Error::Usage("slice reaches past the end of an axis"));
                }
                let count = if end > start {
                    (end - start).div_ceil(step)
                } else {
                    0
                };
                dims.push(DimSlice { start, step, count });
                out.push(count);
            }
        }
    }
    for &len in axes {
        dims.push(DimSlice::all(len));
        out.push(len);
    }
    Ok((Selection::new(dims, shape)?, out))
}

impl<T: AsRef<[SliceInfoElem]>, Din: Dimension, Dout: Dimension> SliceSpec
    for SliceInfo<T, Din, Dout>
{
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
        resolve_elems(self.as_ref(), shape)
    }
}

impl SliceSpec for [SliceInfoElem] {
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
        resolve_elems(self, shape)
    }
}

impl<const N: usize> SliceSpec for [SliceInfoElem; N] {
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
        resolve_elems(self, shape)
    }
}

impl SliceSpec for Selection {
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
        let checked = Selection::new(self.dims().to_vec(), shape)?;
        let out = checked.shape();
        Ok((checked, out))
    }
}

impl<S: SliceSpec + ?Sized> SliceSpec for &S {
    fn resolve(&self, shape: &[u64]) -> Result<(Selection, Vec<u64>)> {
        (**self).resolve(shape)
    }
}

/// Fails early when `D` has a fixed rank other than `rank`.
fn check_rank<D: Dimension>(rank: usize) -> Result<()> {
    match D::NDIM {
        Some(n) if n != rank => Err(Error::Usage(
            "the data's rank differs from the requested array dimension",
        )),
        _ => Ok(()),
    }
}

fn to_array<T, D: Dimension>(values: Vec<T>, shape: &[u64]) -> Result<Array<T, D>> {
    check_rank::<D>(shape.len())?;
    let shape = shape
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<std::result::Result<Vec<usize>, _>>()
        .map_err(|_| Error::Usage("shape beyond the address space"))?;
    Array::from_shape_vec(IxDyn(&shape), values)
        .map_err(|_| Error::Usage("element count differs from the shape"))?
        .into_dimensionality::<D>()
        .map_err(|_| Error::Usage("the data's rank differs from the requested array dimension"))
}

fn decode_vec<T>(dec: &Decoder<T>, bytes: &[u8], heap: &Heap<'_>) -> Result<Vec<T>> {
    let mut out = Vec::new();
    dec.decode_all(bytes, heap, &mut out)?;
    Ok(out)
}

fn not_null(kind: DataspaceKind) -> Result<()> {
    if kind == DataspaceKind::Null {
        Err(Error::Usage(
            "a null dataspace holds no data and has no shape",
        ))
    } else {
        Ok(())
    }
}

fn single<T>(mut v: Vec<T>) -> Result<T> {
    match v.pop() {
        Some(x) if v.is_empty() => Ok(x),
        _ => Err(Error::Usage("exactly one element expected")),
    }
}

impl Dataset {
    /// Every element converted into `T`, row-major (one for a scalar, none for a null
    /// dataspace).
    ///
    /// ```
    /// // h5dump: contiguous (H5T_IEEE_F32LE, 6 x 7) starts 0, 0.125, 0.25; converted to f64 here.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("contiguous")?;
    /// let v = ds.read_raw::<f64>()?;
    /// assert_eq!(v.len(), 42);
    /// assert_eq!(v[..3], [0.0, 0.125, 0.25]);
    /// assert_eq!(v[41], 5.125);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The stored type does not convert into `T` (see [`H5Type`]); storage that cannot be
    /// read or decoded.
    pub fn read_raw<T: H5Type>(&self) -> Result<Vec<T>> {
        let dec = T::decoder(self.dtype())?;
        self.with_all_bytes(|bytes| decode_vec(&dec, bytes, &Heap::new(self.file())))
    }

    /// The whole dataset as an array of dimension `D` (use [`type@IxDyn`] for any rank, `Ix0` for
    /// a scalar).
    ///
    /// ```
    /// use h5oxide::ndarray::{Ix3, IxDyn};
    /// // h5dump: rank3 (H5T_STD_I16LE) is 2 x 3 x 4 holding 0 to 23.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/dataspaces.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("rank3")?;
    /// let a = ds.read::<i16, Ix3>()?;
    /// assert_eq!(a[[1, 2, 3]], 23);
    /// assert_eq!(a[[0, 1, 0]], 4);
    /// // The rank must match.
    /// assert!(ds.read::<i16, h5oxide::ndarray::Ix2>().is_err());
    /// assert_eq!(ds.read::<i16, IxDyn>()?.shape(), [2, 3, 4]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if the rank differs from `D`'s or the dataspace is null; as
    /// [`Dataset::read_raw`].
    pub fn read<T: H5Type, D: Dimension>(&self) -> Result<Array<T, D>> {
        not_null(self.space().kind)?;
        check_rank::<D>(self.ndim())?;
        to_array(self.read_raw()?, &self.shape())
    }

    /// The whole one-dimensional dataset.
    ///
    /// ```
    /// // h5dump: fixed_ascii_nullterm is ( 4 ) strings "", "a", "hello", "HDF5 ab".
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/types_strings.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("fixed_ascii_nullterm")?;
    /// let a = ds.read_1d::<String>()?;
    /// assert_eq!(a.len(), 4);
    /// assert_eq!(a[2], "hello");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::read`].
    pub fn read_1d<T: H5Type>(&self) -> Result<Array1<T>> {
        self.read::<T, Ix1>()
    }

    /// The whole two-dimensional dataset.
    ///
    /// ```
    /// use h5oxide::ndarray::array;
    /// // h5dump: compact is 4 x 5, element (i, j) = 35 i + 7 j.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("compact")?;
    /// let a = ds.read_2d::<i64>()?;
    /// assert_eq!(a.row(3), array![105, 112, 119, 126, 133]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::read`].
    pub fn read_2d<T: H5Type>(&self) -> Result<Array2<T>> {
        self.read::<T, Ix2>()
    }

    /// The whole dataset, whatever its rank.
    ///
    /// ```
    /// // h5dump: rank5 is SIMPLE { ( 2, 1, 3, 2, 2 ) }.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/dataspaces.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("rank5")?;
    /// let a = ds.read_dyn::<f64>()?;
    /// assert_eq!(a.shape(), [2, 1, 3, 2, 2]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::read`].
    pub fn read_dyn<T: H5Type>(&self) -> Result<ArrayD<T>> {
        self.read::<T, IxDyn>()
    }

    /// The value of a scalar dataset.
    ///
    /// ```
    /// // h5dump: scalar is H5T_IEEE_F64LE, SCALAR, 6.25.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/dataspaces.h5");
    /// let file = h5oxide::File::open(path)?;
    /// assert_eq!(file.root().dataset("scalar")?.read_scalar::<f64>()?, 6.25);
    /// // Not for a simple dataspace, even of one element.
    /// assert!(file.root().dataset("rank1")?.read_scalar::<f64>().is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` unless the dataspace is scalar; as [`Dataset::read_raw`].
    pub fn read_scalar<T: H5Type>(&self) -> Result<T> {
        if self.space().kind != DataspaceKind::Scalar {
            return Err(Error::Usage("read_scalar needs a scalar dataspace"));
        }
        single(self.read_raw()?)
    }

    /// The elements `selection` selects (`s![..]`, see [`SliceSpec`]), as an array of
    /// dimension `D` — the dataset's rank less the axes given single indices, plus new
    /// axes. Only the chunks the selection touches are read.
    ///
    /// ```
    /// use h5oxide::ndarray::{array, s, Ix1, Ix2};
    /// // h5dump: rank3 (H5T_STD_I16LE) is 2 x 3 x 4 holding 0 to 23.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/dataspaces.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("rank3")?;
    /// // An index drops its axis: 2 x 3 x 4 becomes 3 x 2.
    /// let a = ds.read_slice::<i16, _, Ix2>(s![1, .., 1..;2])?;
    /// assert_eq!(a, array![[13, 15], [17, 19], [21, 23]]);
    /// assert_eq!(ds.read_slice::<i16, _, Ix1>(s![0, 2, ..])?, array![8, 9, 10, 11]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for a selection outside the dataset, a step below 1, or a result rank other
    /// than `D`'s; as [`Dataset::read_raw`].
    pub fn read_slice<T: H5Type, S: SliceSpec, D: Dimension>(
        &self,
        selection: S,
    ) -> Result<Array<T, D>> {
        not_null(self.space().kind)?;
        let (sel, shape) = selection.resolve(&self.shape())?;
        check_rank::<D>(shape.len())?;
        let dec = T::decoder(self.dtype())?;
        let bytes = self.read_bytes_selection(&sel)?;
        to_array(decode_vec(&dec, &bytes, &Heap::new(self.file()))?, &shape)
    }

    /// A one-dimensional slice (see [`Dataset::read_slice`]).
    ///
    /// ```
    /// use h5oxide::ndarray::{array, s};
    /// // h5dump: compact is 4 x 5, element (i, j) = 35 i + 7 j.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("compact")?;
    /// assert_eq!(ds.read_slice_1d::<i32, _>(s![.., 4])?, array![28, 63, 98, 133]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::read_slice`].
    pub fn read_slice_1d<T: H5Type, S: SliceSpec>(&self, selection: S) -> Result<Array1<T>> {
        self.read_slice::<T, S, Ix1>(selection)
    }

    /// A two-dimensional slice (see [`Dataset::read_slice`]).
    ///
    /// ```
    /// use h5oxide::ndarray::{array, s};
    /// // h5dump: contiguous is 6 x 7 floats, element (i, j) = (7 i + j) / 8.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("contiguous")?;
    /// let a = ds.read_slice_2d::<f32, _>(s![4.., ..2])?;
    /// assert_eq!(a, array![[3.5, 3.625], [4.375, 4.5]]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::read_slice`].
    pub fn read_slice_2d<T: H5Type, S: SliceSpec>(&self, selection: S) -> Result<Array2<T>> {
        self.read_slice::<T, S, Ix2>(selection)
    }

    /// Every element converted into `out`, row-major, with no allocation for the result;
    /// `out.len()` must equal the number of elements.
    ///
    /// ```
    /// // h5dump: compact is 4 x 5 32-bit integers starting 0, 7, 14.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("compact")?;
    /// let mut buf = [0i32; 20];
    /// ds.read_into(&mut buf)?;
    /// assert_eq!(buf[..3], [0, 7, 14]);
    /// assert_eq!(buf[19], 133);
    /// // The buffer must hold exactly the element count.
    /// assert!(ds.read_into(&mut [0i32; 19]).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if the lengths differ; as [`Dataset::read_raw`].
    pub fn read_into<T: H5Type>(&self, out: &mut [T]) -> Result<()> {
        let dec = T::decoder(self.dtype())?;
        if self.size() != out.len() as u64 {
            return Err(Error::Usage(
                "output buffer length differs from the dataset's element count",
            ));
        }
        // Straight from the file's bytes for contiguous data: no intermediate buffer.
        self.with_all_bytes(|bytes| dec.decode_into(bytes, &Heap::new(self.file()), out))
    }

    /// Every element of a string dataset (fixed or variable length), row-major.
    ///
    /// ```
    /// // h5dump: fixed_ascii_nullterm is ( 4 ) strings "", "a", "hello", "HDF5 ab".
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/types_strings.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("fixed_ascii_nullterm")?;
    /// assert_eq!(ds.read_strings()?, ["", "a", "hello", "HDF5 ab"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The stored type is not a string, or a string is not valid in its character set; as
    /// [`Dataset::read_raw`].
    pub fn read_strings(&self) -> Result<Vec<String>> {
        self.read_raw::<String>()
    }
}

impl Attribute {
    /// Every element converted into `T`, row-major.
    ///
    /// ```
    /// // h5dump: /dense attribute_001 is H5T_STD_I32LE ( 4 ): 4, 5, 6, 7.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/attrs_dense_large.h5");
    /// let g = h5oxide::File::open(path)?.root().group("dense")?;
    /// assert_eq!(g.attrs().attr("attribute_001")?.read_raw::<i32>()?, [4, 5, 6, 7]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The stored type does not convert into `T` (see [`H5Type`]); the stored value is
    /// malformed.
    pub fn read_raw<T: H5Type>(&self) -> Result<Vec<T>> {
        let dec = T::decoder(self.dtype())?;
        decode_vec(&dec, self.raw()?, &Heap::new(self.file()))
    }

    /// The value as an array of dimension `D`.
    ///
    /// ```
    /// use h5oxide::ndarray::{array, Ix1};
    /// // h5dump: /dense attribute_002 is H5T_STD_I32LE ( 4 ): 8, 9, 10, 11.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/attrs_dense_large.h5");
    /// let g = h5oxide::File::open(path)?.root().group("dense")?;
    /// let a = g.attrs().attr("attribute_002")?.read::<u8, Ix1>()?;
    /// assert_eq!(a, array![8, 9, 10, 11]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if the rank differs from `D`'s or the dataspace is null; as
    /// [`Attribute::read_raw`].
    pub fn read<T: H5Type, D: Dimension>(&self) -> Result<Array<T, D>> {
        not_null(self.space().kind)?;
        check_rank::<D>(self.space().dims.len())?;
        to_array(self.read_raw()?, &self.shape())
    }

    /// A one-dimensional value.
    ///
    /// ```
    /// use h5oxide::ndarray::array;
    /// // h5dump: /dense attribute_003 is H5T_STD_I32LE ( 4 ): 12, 13, 14, 15.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/attrs_dense_large.h5");
    /// let g = h5oxide::File::open(path)?.root().group("dense")?;
    /// let a = g.attrs().attr("attribute_003")?.read_1d::<i64>()?;
    /// assert_eq!(a, array![12, 13, 14, 15]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Attribute::read`].
    pub fn read_1d<T: H5Type>(&self) -> Result<Array1<T>> {
        self.read::<T, Ix1>()
    }

    /// A two-dimensional value.
    ///
    /// ```
    /// use h5oxide::ndarray::array;
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("m", &array![[1u16, 2, 3], [4, 5, 6]])?;
    /// let m = file.root().attrs().attr("m")?.read_2d::<u16>()?;
    /// assert_eq!(m, array![[1, 2, 3], [4, 5, 6]]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Attribute::read`].
    pub fn read_2d<T: H5Type>(&self) -> Result<Array2<T>> {
        self.read::<T, Ix2>()
    }

    /// The value, whatever its rank.
    ///
    /// ```
    /// // h5dump: /dense attribute_000 is ( 4 ): 0, 1, 2, 3.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/attrs_dense_large.h5");
    /// let g = h5oxide::File::open(path)?.root().group("dense")?;
    /// let a = g.attrs().attr("attribute_000")?.read_dyn::<i32>()?;
    /// assert_eq!(a.shape(), [4]);
    /// assert_eq!(a.iter().copied().collect::<Vec<_>>(), [0, 1, 2, 3]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Attribute::read`].
    pub fn read_dyn<T: H5Type>(&self) -> Result<ArrayD<T>> {
        self.read::<T, IxDyn>()
    }

    /// The value of a scalar attribute.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("version", &3u32)?;
    /// file.root().attrs().set("pair", &[1u32, 2])?;
    /// assert_eq!(file.root().attrs().attr("version")?.read_scalar::<u32>()?, 3);
    /// assert!(file.root().attrs().attr("pair")?.read_scalar::<u32>().is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` unless the dataspace is scalar; as [`Attribute::read_raw`].
    pub fn read_scalar<T: H5Type>(&self) -> Result<T> {
        if self.space().kind != DataspaceKind::Scalar {
            return Err(Error::Usage("read_scalar needs a scalar dataspace"));
        }
        single(self.read_raw()?)
    }
}

impl Attributes {
    /// The value of the attribute `name` as one `T`: a scalar attribute, or one whose shape
    /// holds exactly one element.
    ///
    /// ```
    /// // h5dump: /dense attribute_000 is ( 4 ): 0, 1, 2, 3 (four elements, not one).
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/attrs_dense_large.h5");
    /// let g = h5oxide::File::open(path)?.root().group("dense")?;
    /// assert!(g.attrs().get_value::<i32>("attribute_000").is_err());
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("rate", &44100u32)?;
    /// file.root().attrs().set("one", &[7i8])?;
    /// assert_eq!(file.root().attrs().get_value::<u32>("rate")?, 44100);
    /// assert_eq!(file.root().attrs().get_value::<i8>("one")?, 7);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound` if there is no such attribute; `Usage` unless it holds exactly one
    /// element; as [`Attribute::read_raw`].
    pub fn get_value<T: H5Type>(&self, name: &str) -> Result<T> {
        single(self.attr(name)?.read_raw()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, NewAxis};

    fn dims(sel: &Selection) -> Vec<(u64, u64, u64)> {
        sel.dims()
            .iter()
            .map(|d| (d.start, d.step, d.count))
            .collect()
    }

    #[test]
    fn ndarray_slices_map_to_hdf5_selections() {
        let (sel, shape) = s![2..10;3, ..].resolve(&[20, 7]).unwrap();
        assert_eq!(dims(&sel), [(2, 3, 3), (0, 1, 7)]);
        assert_eq!(shape, [3, 7]);
        let (sel, shape) = s![5, ..].resolve(&[20, 7]).unwrap();
        assert_eq!(dims(&sel), [(5, 1, 1), (0, 1, 7)]);
        assert_eq!(shape, [7]);
        // Negative positions count from the end; the unmentioned axis is whole.
        let (sel, shape) = s![-3.., -1].resolve(&[20, 7, 4]).unwrap();
        assert_eq!(dims(&sel), [(17, 1, 3), (6, 1, 1), (0, 1, 4)]);
        assert_eq!(shape, [3, 4]);
        let (sel, shape) = s![..-2;4, NewAxis].resolve(&[10]).unwrap();
        assert_eq!(dims(&sel), [(0, 4, 2)]);
        assert_eq!(shape, [2, 1]);
        // An end before the start selects nothing.
        let backwards = [SliceInfoElem::Slice {
            start: 6,
            end: Some(2),
            step: 1,
        }];
        let (_, shape) = backwards.resolve(&[10]).unwrap();
        assert_eq!(shape, [0]);
    }

    #[test]
    fn bad_slices_are_errors() {
        assert!(s![..;-1].resolve(&[10]).is_err());
        assert!(s![10].resolve(&[10]).is_err());
        assert!(s![-11].resolve(&[10]).is_err());
        assert!(s![..11].resolve(&[10]).is_err());
        assert!(s![1, 2].resolve(&[10]).is_err());
    }

    #[test]
    fn ranks_are_checked() {
        assert!(to_array::<i32, Ix2>(vec![1, 2, 3], &[3]).is_err());
        let a = to_array::<i32, Ix2>(vec![1, 2, 3, 4, 5, 6], &[2, 3]).unwrap();
        assert_eq!(a[[1, 0]], 4);
    }
}
