//! SWMR reading: a libhdf5 SWMR writer (child process) appends rows to a chunked, unlimited
//! dataset while we read the file with `swmr(true)` and `Dataset::refresh`.

#[path = "c_helper.rs"]
mod c;
#[path = "write_common.rs"]
mod common;

use h5oxide::File;

const ROWS: u64 = 600;

#[test]
fn reader_follows_libhdf5_swmr_writer() {
    if c::helper().is_none() {
        return;
    }
    let dir = common::temp_dir("swmr-read");
    let p = dir.join("growing.h5");
    let rows = ROWS.to_string();
    let mut writer = c::Running::start("swmr-write", &p, &[&rows], &[]).unwrap();
    let f = File::options().swmr(true).open(&p).unwrap();
    assert!(f.is_swmr());
    // The SWMR writer keeps both consistency flags set while it runs (spec II.A).
    assert_eq!(f.consistency_flags(), 0b101);
    let mut ds = f.root().dataset("data").unwrap();
    assert_eq!(ds.shape(), [0]);
    // Opened before the first row: let the writer start appending.
    writer.send_line();
    let (mut last, mut distinct, mut reads) = (0u64, 0u32, 0u32);
    let start = std::time::Instant::now();
    loop {
        ds.refresh().unwrap();
        let n = ds.shape()[0];
        assert!(n >= last, "extent went back from {last} to {n}");
        assert!(n <= ROWS);
        assert_eq!(ds.max_shape(), [None]);
        if n > last {
            distinct += 1;
        }
        if n > 0 {
            let v = ds.read_retrying(|d| d.read_1d::<i64>()).unwrap();
            assert_eq!(v.len() as u64, n);
            let want: Vec<i64> = (0..n as i64).collect();
            assert_eq!(v.to_vec(), want, "rows seen at extent {n}");
            reads += 1;
        }
        last = n;
        if n == ROWS {
            break;
        }
        assert!(
            start.elapsed().as_secs() < 120,
            "stuck at {n} rows; writer exited: {}",
            writer.exited()
        );
        std::thread::sleep(std::time::Duration::from_millis(3));
    }
    // The reader saw the dataset grow in steps, not only its final extent.
    assert!(distinct >= 3, "saw only {distinct} extents");
    assert!(reads >= 3);
    assert_eq!(writer.line().as_deref(), Some("done"));
    drop(ds);
    drop(f);
    assert_eq!(writer.finish(), 0);
    // After the writer closed: flags cleared, and a plain open reads every row.
    let f = File::open(&p).unwrap();
    assert_eq!(f.consistency_flags(), 0);
    let v = f.root().dataset("data").unwrap().read_1d::<i64>().unwrap();
    assert_eq!(v.to_vec(), (0..ROWS as i64).collect::<Vec<_>>());
}

#[test]
fn swmr_needs_read_mode() {
    let dir = common::temp_dir("swmr-mode");
    let p = dir.join("a.h5");
    common::create(&p, h5oxide::Libver::Latest).close().unwrap();
    let e = File::options()
        .swmr(true)
        .mode(h5oxide::Mode::ReadWrite)
        .open(&p)
        .unwrap_err();
    assert!(matches!(e, h5oxide::Error::Usage(_)), "{e:?}");
}
