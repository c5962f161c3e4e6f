//! Virtual datasets written by h5oxide, read back by h5oxide and by the C library.

#[path = "write_common.rs"]
mod common;

use std::process::Command;

use common::*;
use h5oxide::write::virtual_dataset::{VirtualLayout, VirtualSource};
use h5oxide::{DimSlice, File, H5Write};

fn run_h5dump(dir: &std::path::Path, args: &[&str], file: &str) -> String {
    let out = Command::new("h5dump")
        .args(args)
        .arg(file)
        .current_dir(dir)
        .output()
        .expect("h5dump runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "h5dump failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn rows_from_other_files_and_a_strided_same_file_source() {
    let dir = temp_dir("write_virtual");
    for (libver, tag) in BOTH {
        // Four source files, each a row of 6 values.
        for i in 0..4i32 {
            let f = create(&dir.join(format!("src{i}_{tag}.h5")), libver);
            let row: Vec<i32> = (0..6).map(|j| i * 100 + j).collect();
            f.root()
                .new_dataset_builder()
                .with_data(&row)
                .create("data")
                .unwrap();
            f.close().unwrap();
        }
        let path = dir.join(format!("vds_{tag}.h5"));
        let f = create(&path, libver);
        let local: Vec<i32> = (0..12).map(|j| -j).collect();
        f.root()
            .new_dataset_builder()
            .with_data(&local)
            .create("local")
            .unwrap();
        let mut layout = VirtualLayout::new(i32::write_type(), &[5, 6]);
        for i in 0..4u64 {
            let src = VirtualSource::new(&format!("src{i}_{tag}.h5"), "/data", &[6]);
            let row = vec![
                DimSlice {
                    start: i,
                    step: 1,
                    count: 1,
                },
                DimSlice::all(6),
            ];
            layout.map(row, src).unwrap();
        }
        // Row 4: every other element of /local in this file.
        let src = VirtualSource::new(".", "/local", &[12])
            .select(vec![DimSlice {
                start: 0,
                step: 2,
                count: 6,
            }])
            .unwrap();
        layout
            .map(
                vec![
                    DimSlice {
                        start: 4,
                        step: 1,
                        count: 1,
                    },
                    DimSlice::all(6),
                ],
                src,
            )
            .unwrap();
        // A mismatched mapping is refused.
        let bad = VirtualSource::new(".", "/local", &[12]);
        assert!(layout
            .map(
                vec![
                    DimSlice {
                        start: 0,
                        step: 1,
                        count: 1
                    },
                    DimSlice::all(6)
                ],
                bad
            )
            .is_err());
        f.root()
            .create_virtual_dataset("all", &layout, Some((-1i32).to_le_bytes().to_vec()))
            .unwrap();
        f.close().unwrap();

        let mut want: Vec<i32> = Vec::new();
        for i in 0..4 {
            want.extend((0..6).map(|j| i * 100 + j));
        }
        want.extend((0..6).map(|j| -2 * j));
        let f = File::open(&path).unwrap();
        let d = f.root().dataset("all").unwrap();
        assert_eq!(d.shape(), [5, 6]);
        assert_eq!(d.read_raw::<i32>().unwrap(), want);

        let text = run_h5dump(&dir, &["-d", "/all"], &format!("vds_{tag}.h5"));
        assert!(
            text.contains("(1,0): 100, 101, 102, 103, 104, 105"),
            "{text}"
        );
        assert!(text.contains("(4,0): 0, -2, -4, -6, -8, -10"), "{text}");
        let text = run_h5dump(&dir, &["-p", "-H", "-d", "/all"], &format!("vds_{tag}.h5"));
        assert!(text.contains("VIRTUAL"), "{text}");
        assert!(
            text.contains("FILLVALUE {\n      FILL_TIME H5D_FILL_TIME_IFSET\n      VALUE  -1"),
            "{text}"
        );
        assert!(
            text.contains("FILE \".\"\n            DATASET \"/local\""),
            "{text}"
        );
    }
}
