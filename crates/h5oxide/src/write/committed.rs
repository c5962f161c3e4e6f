//! Committed (named) datatypes: an object header holding only a datatype message, linked
//! into a group (spec IV.A.2.d), and datatype messages of datasets that refer to one as a
//! shared message (spec IV.A.2, "Shared Message").

use h5oxide_format::object_header::message::datatype::Datatype;
use h5oxide_format::object_header::message::flags as mflags;
use h5oxide_format::object_header::message::shared::SharedMessage;
use h5oxide_format::object_header::message::{types, Message};
use h5oxide_format::object_header::RawMessage;

use crate::error::{Error, Result};
use crate::file::File;
use crate::group::{Group, NamedDatatype};
use crate::write::alloc::WriteState;
use crate::write::group::{begin, link_new_object};
use crate::write::object_header::{adjust_refcount, new_header, put_header, raw, sink_of};
use crate::write::Libver;

impl Group {
    /// Commits `dtype` as the named datatype `name` (h5py's `group[name] = numpy_dtype`),
    /// creating missing intermediate groups.
    ///
    /// ```
    /// use h5oxide::H5Write;
    /// let file = h5oxide::File::in_memory()?;
    /// let t = file.root().commit_type("point", &<[f64; 3]>::write_type())?;
    /// assert_eq!(t.dtype()?.size, 24);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `AlreadyExists` if the name exists; `ReadOnly`; I/O errors.
    pub fn commit_type(&self, name: &str, dtype: &Datatype) -> Result<NamedDatatype> {
        let file = self.file.clone();
        if self.link_exists(name) {
            return Err(Error::AlreadyExists {
                what: "datatype",
                name: crate::group::join(&self.path, name),
            });
        }
        let mut ws = begin(&file)?;
        let ctx = file.inner.ctx;
        let mut t = dtype.clone();
        if ws.libver == Libver::Latest {
            t.assign_versions(3);
        }
        // libhdf5 marks a committed type's message constant and never shares it further.
        let m = raw(
            &Message::Datatype(t),
            mflags::CONSTANT | mflags::DONT_SHARE,
            &ctx,
        )?;
        let h = new_header(ws.libver, vec![m]);
        let sink = sink_of(&file, &ws);
        let addr = put_header(&mut ws, &sink, None, &h)?;
        let path = link_new_object(&file, &mut ws, self, name, addr, "datatype")?;
        drop(ws);
        Ok(NamedDatatype {
            file: file.clone(),
            address: file.inner.resolve(addr),
            path,
        })
    }
}

/// The datatype message of an object using the committed type at `at`: a shared message
/// naming the type's header (version 2 with version-1 headers as libhdf5 1.8 writes, else
/// version 3). The type's reference count is raised for the new user first, which may move
/// its header; the message names the new address.
pub(crate) fn committed_type_message(
    file: &File,
    ws: &mut WriteState,
    at: u64,
) -> Result<RawMessage> {
    let ctx = file.inner.ctx;
    let address = adjust_refcount(file, ws, at, 1)?;
    let mut sm = SharedMessage::committed(address);
    if ws.libver == Libver::Earliest {
        sm.version = 2;
    }
    raw(
        &Message::Shared {
            msg_type: types::DATATYPE,
            shared: sm,
        },
        mflags::CONSTANT,
        &ctx,
    )
}
