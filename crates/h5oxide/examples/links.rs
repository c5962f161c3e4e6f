//! Links: hard links (a second name for one object), soft links (by path, resolved when
//! followed; a dangling one is kept), and external links into another file, as in h5py:
//!
//! ```python
//! f["alias"] = f["data/values"]                        # hard
//! f["latest"] = h5py.SoftLink("/data/values")
//! f["missing"] = h5py.SoftLink("/nowhere")             # dangling
//! f["remote"] = h5py.ExternalLink("links_target.h5", "/table")
//! ```
//!
//! Run with `cargo run -p h5oxide --example links`; writes `links.h5` and
//! `links_target.h5` into the current directory.

use h5oxide::{File, Link, Object};

fn main() -> h5oxide::Result<()> {
    {
        let t = File::create("links_target.h5")?;
        t.root()
            .new_dataset_builder()
            .with_data(&[10i32, 20, 30])
            .create("table")?;
        t.close()?;
    }
    {
        let f = File::create("links.h5")?;
        let root = f.root();
        root.new_dataset_builder()
            .with_data(&[1.0f64, 2.0, 3.0])
            .create("data/values")?;
        root.link_hard("data/values", "alias")?;
        root.link_soft("/data/values", "latest")?;
        root.link_soft("/nowhere", "missing")?;
        root.link_external("links_target.h5", "/table", "remote")?;
        f.close()?;
    }
    let f = File::open("links.h5")?;
    let root = f.root();
    for (name, link) in root.links()? {
        let kind = match &link {
            Link::Hard { .. } => "hard".to_owned(),
            Link::Soft { target } => format!("soft -> {target}"),
            Link::External { file, path } => format!("external -> {file}:{path}"),
            _ => "user-defined".to_owned(),
        };
        let resolved = match root.object(&name) {
            Ok(Object::Dataset(d)) => d.to_string(),
            Ok(Object::Group(g)) => g.to_string(),
            Ok(_) => "a named datatype".to_owned(),
            Err(e) => format!("does not resolve: {e}"),
        };
        println!("{name:8} {kind:40} {resolved}");
    }
    let remote = root.dataset("remote")?;
    println!("remote values: {:?}", remote.read_raw::<i32>()?);
    Ok(())
}
