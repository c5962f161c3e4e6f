//! Superblocks of files written by libhdf5 1.10.8 (generators in tests/data/gen/).

use h5oxide_format::superblock::{find_signature, RootGroup, Superblock};
use h5oxide_format::symbol_table_entry::ScratchPad;
use h5oxide_format::{Cursor, ErrorKind, Writer, UNDEFINED_ADDRESS};

const GROUP: &[u8] = include_bytes!("data/group_symtab.h5");
const CHUNKED: &[u8] = include_bytes!("data/chunked_btree.h5");
const VLEN: &[u8] = include_bytes!("data/vlen_strings.h5");
const V2: &[u8] = include_bytes!("data/sb_v2.h5");
const V3: &[u8] = include_bytes!("data/sb_v3.h5");

#[test]
fn version_0_with_small_group_k() {
    let sb = Superblock::read(GROUP).unwrap();
    // h5debug group_symtab.h5 0
    assert_eq!(sb.version, 0);
    assert_eq!(sb.context().sizeof_offsets(), 8);
    assert_eq!(sb.context().sizeof_lengths(), 8);
    assert_eq!((sb.group_leaf_k, sb.group_internal_k), (2, 2));
    assert_eq!(sb.base_address, 0);
    assert_eq!(sb.eof_address, GROUP.len() as u64);
    assert_eq!(sb.driver_info_address, UNDEFINED_ADDRESS);
    assert_eq!(sb.free_space_address, UNDEFINED_ADDRESS);
    let RootGroup::SymbolTableEntry(root) = sb.root else {
        panic!("v0 root is a symbol table entry")
    };
    assert_eq!(root.object_header_address, 96);
    assert_eq!(
        root.scratch_pad,
        ScratchPad::Group {
            btree_address: 136,
            heap_address: 232
        }
    );
    let mut w = Writer::new();
    sb.encode(&mut w).unwrap();
    assert_eq!(w.as_slice(), &GROUP[..sb.encoded_len()]);
}

#[test]
fn version_1_with_indexed_storage_k() {
    let sb = Superblock::read(CHUNKED).unwrap();
    // h5debug chunked_btree.h5 0: leaf K 4, internal K 16, indexed storage K 2
    assert_eq!(sb.version, 1);
    assert_eq!(
        (sb.group_leaf_k, sb.group_internal_k, sb.indexed_storage_k),
        (4, 16, 2)
    );
    assert_eq!(sb.encoded_len(), 100);
    let mut w = Writer::new();
    sb.encode(&mut w).unwrap();
    assert_eq!(w.as_slice(), &CHUNKED[..100]);
}

#[test]
fn user_block_of_512_bytes() {
    assert_eq!(find_signature(VLEN).unwrap(), 512);
    let sb = Superblock::read(VLEN).unwrap();
    assert_eq!(sb.version, 0);
    assert_eq!(sb.base_address, 512);
    // The end-of-file address is absolute: the whole file, user block included.
    assert_eq!(sb.eof_address, 6736);
    assert_eq!(sb.eof_address, VLEN.len() as u64);
    // h5debug: root object header 96 (relative), B-tree 136, heap 680.
    assert_eq!(sb.root.object_header_address(), 96);
    assert_eq!(sb.absolute(96), 608);
    assert_eq!(&VLEN[608..612], &[1, 0, 1, 0]); // v1 object header prefix there
}

#[test]
fn versions_2_and_3() {
    for (bytes, version) in [(V2, 2), (V3, 3)] {
        let sb = Superblock::read(bytes).unwrap();
        assert_eq!(sb.version, version);
        assert_eq!(sb.base_address, 0);
        assert_eq!(sb.extension_address, UNDEFINED_ADDRESS);
        assert_eq!(sb.eof_address, 195);
        assert_eq!(sb.consistency_flags, 0);
        assert_eq!(sb.root, RootGroup::ObjectHeader(48));
        assert_eq!(sb.encoded_len(), 48);
        let mut w = Writer::new();
        sb.encode(&mut w).unwrap();
        assert_eq!(w.as_slice(), &bytes[..48]);
    }
}

#[test]
fn flipped_byte_is_a_checksum_mismatch() {
    let mut b = V3.to_vec();
    b[0x1c] ^= 0x01; // end-of-file address
    let err = Superblock::decode(&mut Cursor::new(&b, 0, "superblock")).unwrap_err();
    // Stored checksum 0x37611a06 (bytes 44..48).
    assert!(matches!(
        err.kind,
        ErrorKind::ChecksumMismatch {
            stored: 0x3761_1a06,
            ..
        }
    ));
    assert_eq!(err.offset, 44);
    assert_eq!(err.structure, "superblock");
    // Through the signature search the offset is still the file offset of the checksum.
    let mut with_block = vec![0u8; 512];
    with_block.extend_from_slice(&b);
    let err = Superblock::read(&with_block[..]).unwrap_err();
    assert_eq!(err.offset, 512 + 44);
}

#[test]
fn no_signature_names_the_file_size() {
    let err = find_signature(&VLEN[..500]).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::BadSignature { .. }));
    assert_eq!(err.offset, 500);
}
