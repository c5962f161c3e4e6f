//! The workflows users write files for, in both format generations, read back by h5oxide
//! and by the C library (`h5dump` and the conformance walker).

#[path = "write_common.rs"]
mod common;

use common::{
    c_walk, create, floats, h5dump, ints, temp_dir, walk_attr, walk_object, walk_paths, BOTH,
};
use h5oxide::ndarray::{s, Array1, Array4};
use h5oxide::{File, Libver};

#[test]
fn sub_pano_datasets_from_aranges() {
    let dir = temp_dir("subpano");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("pano_{tag}.h5"));
        let f = create(&path, libver);
        let one: Vec<i64> = (0..10).collect();
        let two: Vec<f64> = (0..20).map(|i| f64::from(i) * 0.25).collect();
        let root = f.root();
        root.new_dataset_builder()
            .with_data(&one)
            .create("/subPano/1")
            .unwrap();
        root.new_dataset_builder()
            .with_data(&two)
            .create("subPano/2")
            .unwrap();
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        assert_eq!(
            f.superblock_version(),
            if libver == Libver::Latest { 3 } else { 0 }
        );
        assert_eq!(f.root().member_names().unwrap(), ["subPano"]);
        let g = f.group("subPano").unwrap();
        assert_eq!(g.member_names().unwrap(), ["1", "2"]);
        let d1 = g.dataset("1").unwrap();
        assert_eq!(
            d1.to_string(),
            "<HDF5 dataset \"1\": shape (10,), type \"<i8\">"
        );
        assert_eq!(d1.read_1d::<i64>().unwrap().to_vec(), one);
        assert_eq!(d1.read_slice_1d::<i64, _>(s![0..1]).unwrap().to_vec(), [0]);
        let d2 = g.dataset("2").unwrap();
        assert_eq!(d2.read_raw::<f64>().unwrap(), two);
        assert_eq!(
            d2.read_slice_1d::<f64, _>(s![3..5]).unwrap().to_vec(),
            [0.75, 1.0]
        );

        let dump = h5dump(&path, &["-d", "/subPano/1"]);
        assert!(dump.contains("H5T_STD_I64LE"), "{dump}");
        assert!(dump.contains("(0): 0, 1, 2, 3, 4, 5, 6, 7, 8, 9"), "{dump}");
        let dump = h5dump(&path, &["-d", "/subPano/2", "-s", "3", "-c", "2"]);
        assert!(dump.contains("(3): 0.75, 1"), "{dump}");

        let walk = c_walk(&path);
        assert_eq!(
            walk_paths(&walk),
            ["/", "/subPano", "/subPano/1", "/subPano/2"]
        );
        let o = walk_object(&walk, "/subPano/1");
        assert_eq!(o["dtype"].as_str(), "<i8");
        assert_eq!(o["shape"].as_u64s(), [Some(10)]);
        assert_eq!(ints(&o["values"]), one);
        let o = walk_object(&walk, "/subPano/2");
        assert_eq!(o["dtype"].as_str(), "<f8");
        assert_eq!(floats(&o["values"], 8), two);
    }
}

#[test]
fn unlimited_dataset_resized_and_tail_written() {
    let dir = temp_dir("resize");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("resize_{tag}.h5"));
        let f = create(&path, libver);
        let mut d = f
            .root()
            .new_dataset::<i32>()
            .shape([10])
            .max_shape([None])
            .create("grow")
            .unwrap();
        assert_eq!(d.chunks(), Some(vec![10]));
        d.write(&(0..10).collect::<Vec<i32>>()).unwrap();
        d.resize([30]).unwrap();
        assert_eq!(d.shape(), [30]);
        // The new part reads as fill until written.
        assert_eq!(
            d.read_slice_1d::<i32, _>(s![25..30]).unwrap().to_vec(),
            [0; 5]
        );
        let tail: Vec<i32> = (100..120).collect();
        d.write_slice(&tail, s![10..30]).unwrap();
        f.close().unwrap();

        let mut expected: Vec<i64> = (0..10).collect();
        expected.extend(100..120);
        let f = File::open(&path).unwrap();
        let d = f.root().dataset("grow").unwrap();
        assert_eq!(d.max_shape(), [None]);
        let got: Vec<i64> = d
            .read_raw::<i32>()
            .unwrap()
            .into_iter()
            .map(i64::from)
            .collect();
        assert_eq!(got, expected);

        let dump = h5dump(&path, &["-d", "/grow"]);
        assert!(dump.contains("( 30 ) / ( H5S_UNLIMITED )"), "{dump}");
        let o = c_walk(&path);
        let o = walk_object(&o, "/grow");
        assert_eq!(o["maxshape"].as_u64s(), [None]);
        assert_eq!(ints(&o["values"]), expected);

        // Shrinking drops the cut part; growing again shows fill values, as in libhdf5.
        let f = File::open_rw(&path).unwrap();
        let mut d = f.root().dataset("grow").unwrap();
        d.resize([15]).unwrap();
        d.resize([20]).unwrap();
        f.close().unwrap();
        let o = c_walk(&path);
        let mut expected: Vec<i64> = (0..10).collect();
        expected.extend(100..105);
        expected.extend([0; 5]);
        assert_eq!(ints(&walk_object(&o, "/grow")["values"]), expected);
    }
}

#[test]
fn image_stack_written_one_image_per_index_with_gzip() {
    let dir = temp_dir("stack");
    const N: usize = 5;
    let image = |k: usize| {
        Array4::<u8>::from_shape_fn((1, 80, 80, 3), |(_, y, x, c)| {
            ((k * 31 + y * 7 + x * 3 + c) % 251) as u8
        })
    };
    for (libver, tag) in BOTH {
        let path = dir.join(format!("stack_{tag}.h5"));
        let f = create(&path, libver);
        let mut d = f
            .root()
            .new_dataset::<u8>()
            .shape([N, 80, 80, 3])
            .chunk([1, 80, 80, 3])
            .deflate(4)
            .create("images")
            .unwrap();
        for k in 0..N {
            d.write_slice(&image(k), s![k..k + 1, .., .., ..]).unwrap();
        }
        // Chunks are compressed: far smaller than the raw images.
        assert!(d.storage_size().unwrap() < (N * 80 * 80 * 3 / 2) as u64);
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        let d = f.root().dataset("images").unwrap();
        assert_eq!(d.shape(), [N as u64, 80, 80, 3]);
        for k in 0..N {
            let got: Array4<u8> = d.read_slice(s![k..k + 1, .., .., ..]).unwrap();
            assert_eq!(got, image(k), "image {k}");
        }

        let dump = h5dump(
            &path,
            &["-p", "-d", "/images", "-s", "3,10,20,0", "-c", "1,1,1,3"],
        );
        assert!(dump.contains("COMPRESSION DEFLATE { LEVEL 4 }"), "{dump}");
        let v: Vec<usize> = (0..3)
            .map(|c| (3 * 31 + 10 * 7 + 20 * 3 + c) % 251)
            .collect();
        assert!(
            dump.contains(&format!("(3,10,20,0): {}, {}, {}", v[0], v[1], v[2])),
            "{dump}"
        );
        let walk = c_walk(&path);
        let o = walk_object(&walk, "/images");
        assert_eq!(o["dtype"].as_str(), "|u1");
        // More than 1000 elements: the walk keeps the first 1000 (image 0, row-major).
        let first: Vec<i64> = image(0).iter().take(1000).map(|&b| i64::from(b)).collect();
        assert_eq!(ints(&o["values"]), first);
        assert_eq!(
            o["values_total"],
            common::Json::Num((N * 80 * 80 * 3).to_string())
        );
    }
}

#[test]
fn attributes_of_ints_strings_and_arrays() {
    let dir = temp_dir("attrs");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("attrs_{tag}.h5"));
        let f = create(&path, libver);
        let root = f.root();
        root.attrs().set("count", &7i64).unwrap();
        root.attrs().set("title", "Scan β").unwrap();
        root.attrs().set("flag", &true).unwrap();
        let g = root.create_group("run").unwrap();
        g.attrs().set("gains", &[1.5f32, 2.0, -3.25][..]).unwrap();
        g.attrs().set("ids", &vec![3u16, 1, 4, 1, 5]).unwrap();
        g.attrs().set("labels", &["a", "bc", ""][..]).unwrap();
        g.attrs()
            .set("matrix", &h5oxide::ndarray::arr2(&[[1i8, 2], [3, 4]]))
            .unwrap();
        // Replace and remove, as h5py's attrs[name] = v and del attrs[name].
        g.attrs().set("ids", &vec![9u16, 8]).unwrap();
        g.attrs().set("gone", &1u8).unwrap();
        g.attrs().remove("gone").unwrap();
        assert!(g.attrs().remove("gone").is_err());
        let d = g
            .new_dataset_builder()
            .with_data(&Array1::from(vec![1.0f64]))
            .create("d")
            .unwrap();
        d.attrs().set("units", "m").unwrap();
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        let a = f.root().attrs();
        assert_eq!(a.get::<i64>("count").unwrap(), 7);
        assert_eq!(a.get::<String>("title").unwrap(), "Scan β");
        assert!(a.get_value::<bool>("flag").unwrap());
        let g = f.group("run").unwrap().attrs();
        assert_eq!(g.names().unwrap(), ["gains", "ids", "labels", "matrix"]);
        assert_eq!(g.get::<Vec<u16>>("ids").unwrap(), [9, 8]);
        assert_eq!(g.get::<Vec<String>>("labels").unwrap(), ["a", "bc", ""]);

        let walk = c_walk(&path);
        let r = walk_object(&walk, "/");
        assert_eq!(ints(&walk_attr(r, "count")["values"]), [7]);
        assert_eq!(walk_attr(r, "title")["values"].as_str(), "Scan β");
        assert_eq!(walk_attr(r, "title")["dtype"].as_str(), "str:nullterm:utf8");
        assert_eq!(
            walk_attr(r, "flag")["dtype"].as_str(),
            "enum(|i1)[FALSE=0,TRUE=1]"
        );
        assert_eq!(ints(&walk_attr(r, "flag")["values"]), [1]);
        let g = walk_object(&walk, "/run");
        assert_eq!(
            floats(&walk_attr(g, "gains")["values"], 4),
            [1.5, 2.0, -3.25]
        );
        assert_eq!(walk_attr(g, "ids")["dtype"].as_str(), "<u2");
        assert_eq!(ints(&walk_attr(g, "ids")["values"]), [9, 8]);
        let labels: Vec<&str> = walk_attr(g, "labels")["values"]
            .as_array()
            .iter()
            .map(|v| v.as_str())
            .collect();
        assert_eq!(labels, ["a", "bc", ""]);
        assert_eq!(
            walk_attr(g, "matrix")["shape"].as_u64s(),
            [Some(2), Some(2)]
        );
        assert_eq!(ints(&walk_attr(g, "matrix")["values"]), [1, 2, 3, 4]);
        assert_eq!(
            walk_attr(walk_object(&walk, "/run/d"), "units")["values"].as_str(),
            "m"
        );
        let dump = h5dump(&path, &["-A"]);
        assert!(dump.contains("ATTRIBUTE \"labels\""), "{dump}");
    }
}

#[test]
fn string_datasets() {
    let dir = temp_dir("strings");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("strings_{tag}.h5"));
        let f = create(&path, libver);
        let root = f.root();
        let words = ["alpha", "", "γάμμα", "a much longer string than the others"];
        let mut d = root
            .new_dataset_builder()
            .with_strings(&words)
            .create("vlen")
            .unwrap();
        root.new_dataset_builder()
            .with_fixed_strings(&["ab", "cde", ""], 4)
            .create("fixed")
            .unwrap();
        assert!(root
            .new_dataset_builder()
            .with_fixed_strings(&["toolong"], 4)
            .create("bad")
            .is_err());
        root.new_dataset_builder()
            .with_strings(&["x", "y", "z", "w", "v", "u"])
            .shape([2, 3])
            .chunk([1, 3])
            .deflate(1)
            .create("grid")
            .unwrap();
        d.write_strings(&["one", "two", "three", "four"]).unwrap();
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        let d = f.root().dataset("vlen").unwrap();
        assert_eq!(
            d.read_raw::<String>().unwrap(),
            ["one", "two", "three", "four"]
        );
        assert_eq!(
            f.root()
                .dataset("fixed")
                .unwrap()
                .read_raw::<String>()
                .unwrap(),
            ["ab", "cde", ""]
        );

        let walk = c_walk(&path);
        let o = walk_object(&walk, "/vlen");
        assert_eq!(o["dtype"].as_str(), "str:nullterm:utf8");
        let v: Vec<&str> = o["values"].as_array().iter().map(|s| s.as_str()).collect();
        assert_eq!(v, ["one", "two", "three", "four"]);
        let o = walk_object(&walk, "/fixed");
        assert_eq!(o["dtype"].as_str(), "|S4:nullpad:ascii");
        let v: Vec<&str> = o["values"].as_array().iter().map(|s| s.as_str()).collect();
        assert_eq!(v, ["ab", "cde", ""]);
        let o = walk_object(&walk, "/grid");
        let rows: Vec<Vec<&str>> = o["values"]
            .as_array()
            .iter()
            .map(|r| r.as_array().iter().map(|s| s.as_str()).collect())
            .collect();
        assert_eq!(rows, [["x", "y", "z"], ["w", "v", "u"]]);
        let dump = h5dump(&path, &["-d", "/vlen"]);
        assert!(dump.contains("\"three\""), "{dump}");
    }
}

#[test]
fn contiguous_partial_writes() {
    let dir = temp_dir("contig");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("contig_{tag}.h5"));
        let f = create(&path, libver);
        let mut d = f
            .root()
            .new_dataset::<i16>()
            .shape([4, 5])
            .fill_value(-1i16)
            .create("m")
            .unwrap();
        assert!(d.read_raw::<i16>().unwrap().iter().all(|&v| v == -1));
        d.write_slice(&[1i16, 2, 3, 4, 5, 6], s![1..3, 1..4])
            .unwrap();
        d.write_slice(&[9i16, 9], s![3, ..;4]).unwrap();
        f.close().unwrap();
        let mut want = vec![-1i64; 20];
        for (k, (r, c)) in [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
            .iter()
            .enumerate()
        {
            want[r * 5 + c] = k as i64 + 1;
        }
        want[15] = 9;
        want[19] = 9;
        let walk = c_walk(&path);
        assert_eq!(ints(&walk_object(&walk, "/m")["values"]), want);
        let got: Vec<i64> = File::open(&path)
            .unwrap()
            .root()
            .dataset("m")
            .unwrap()
            .read_raw::<i16>()
            .unwrap()
            .into_iter()
            .map(i64::from)
            .collect();
        assert_eq!(got, want);
    }
}

#[test]
fn scalars_bools_and_empty_extents() {
    let dir = temp_dir("edges");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("edges_{tag}.h5"));
        let f = create(&path, libver);
        let r = f.root();
        r.new_dataset_builder()
            .with_scalar(3.5f64)
            .create("scalar")
            .unwrap();
        let mut s2 = r
            .new_dataset::<u8>()
            .scalar()
            .create("late_scalar")
            .unwrap();
        s2.write(&[7u8]).unwrap();
        r.new_dataset_builder()
            .with_data(&[true, false, true])
            .create("bools")
            .unwrap();
        r.new_dataset_builder()
            .with_data(&Vec::<i32>::new())
            .create("empty")
            .unwrap();
        r.new_dataset::<i32>()
            .shape([0])
            .max_shape([None])
            .create("empty_ext")
            .unwrap();
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        let d = |n: &str| f.root().dataset(n).unwrap();
        assert_eq!(d("scalar").read_scalar::<f64>().unwrap(), 3.5);
        assert_eq!(d("late_scalar").read_scalar::<u8>().unwrap(), 7);
        assert_eq!(d("bools").read_raw::<bool>().unwrap(), [true, false, true]);
        assert!(d("empty_ext").read_raw::<i32>().unwrap().is_empty());

        let walk = c_walk(&path);
        let o = walk_object(&walk, "/scalar");
        assert_eq!(o["shape"], common::Json::Arr(Vec::new()));
        assert_eq!(floats(&o["values"], 8), [3.5]);
        assert_eq!(ints(&walk_object(&walk, "/late_scalar")["values"]), [7]);
        let o = walk_object(&walk, "/bools");
        assert_eq!(o["dtype"].as_str(), "enum(|i1)[FALSE=0,TRUE=1]");
        assert_eq!(ints(&o["values"]), [1, 0, 1]);
        assert_eq!(
            walk_object(&walk, "/empty_ext")["maxshape"].as_u64s(),
            [None]
        );
        assert_eq!(walk_object(&walk, "/empty")["shape"].as_u64s(), [Some(0)]);
        let dump = h5dump(&path, &["-d", "/bools"]);
        assert!(dump.contains("(0): TRUE, FALSE, TRUE"), "{dump}");
    }
}
