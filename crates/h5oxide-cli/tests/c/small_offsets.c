/* A file with 4-byte addresses and lengths (H5Pset_sizes(fcpl, 4, 4)) holding object and
 * region references, variable-length sequences, a compound with a reference member, and
 * datasets of references that name themselves or each other.
 * Build and run: h5cc -o small_offsets small_offsets.c && ./small_offsets OUT.h5 */
#include <hdf5.h>
#include <stdlib.h>

typedef struct {
    char a;
    hobj_ref_t r;
    int b;
} rec_t;

typedef struct {
    char a;
    hvl_t v;
    int b;
} vrec_t;

static hid_t simple(hsize_t n)
{
    return H5Screate_simple(1, &n, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_sizes(fcpl, 4, 4);
    hid_t f = H5Fcreate(argv[1], H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);

    /* /data: 10 x 10 integers, the target of the references. */
    hsize_t dims[2] = {10, 10};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    int v[10][10];
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++)
            v[i][j] = i * 10 + j;
    hid_t data = H5Dcreate2(f, "data", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(data, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    hid_t g = H5Gcreate2(f, "group", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);

    /* /object_refs: /data, /group and itself. */
    hid_t objs = H5Dcreate2(f, "object_refs", H5T_STD_REF_OBJ, simple(3), H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT);
    hobj_ref_t o[3];
    H5Rcreate(&o[0], f, "data", H5R_OBJECT, -1);
    H5Rcreate(&o[1], f, "group", H5R_OBJECT, -1);
    H5Rcreate(&o[2], f, "object_refs", H5R_OBJECT, -1);
    H5Dwrite(objs, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, o);

    /* /cross_a and /cross_b name each other. */
    hid_t ca = H5Dcreate2(f, "cross_a", H5T_STD_REF_OBJ, simple(1), H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    hid_t cb = H5Dcreate2(f, "cross_b", H5T_STD_REF_OBJ, simple(1), H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    hobj_ref_t x;
    H5Rcreate(&x, f, "cross_b", H5R_OBJECT, -1);
    H5Dwrite(ca, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, &x);
    H5Rcreate(&x, f, "cross_a", H5R_OBJECT, -1);
    H5Dwrite(cb, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, &x);

    /* /region_refs: a block and three points of /data. */
    hdset_reg_ref_t r[2];
    hsize_t start[2] = {2, 3}, count[2] = {3, 4};
    H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL);
    H5Rcreate(&r[0], f, "data", H5R_DATASET_REGION, sp);
    hsize_t pts[3][2] = {{0, 0}, {9, 9}, {4, 5}};
    H5Sselect_elements(sp, H5S_SELECT_SET, 3, &pts[0][0]);
    H5Rcreate(&r[1], f, "data", H5R_DATASET_REGION, sp);
    hid_t regs = H5Dcreate2(f, "region_refs", H5T_STD_REF_DSETREG, simple(2), H5P_DEFAULT,
                            H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(regs, H5T_STD_REF_DSETREG, H5S_ALL, H5S_ALL, H5P_DEFAULT, r);

    /* A region reference attribute on /group. */
    hid_t a = H5Acreate2(g, "region_ref", H5T_STD_REF_DSETREG, H5Screate(H5S_SCALAR), H5P_DEFAULT,
                         H5P_DEFAULT);
    H5Awrite(a, H5T_STD_REF_DSETREG, &r[0]);
    H5Aclose(a);

    /* /vlen: sequences of 0, 2 and 3 integers, chunked and compressed. */
    hid_t vt = H5Tvlen_create(H5T_NATIVE_INT);
    int s1[2] = {5, -6}, s2[3] = {7, 8, 9};
    hvl_t vl[3] = {{0, NULL}, {2, s1}, {3, s2}};
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t chunk = 2;
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_deflate(dcpl, 5);
    hid_t vd = H5Dcreate2(f, "vlen", vt, simple(3), H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(vd, vt, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl);

    /* An attribute of sequences of object references on /data (as dimension scales). */
    hid_t rt = H5Tvlen_create(H5T_STD_REF_OBJ);
    hobj_ref_t seq[2];
    H5Rcreate(&seq[0], f, "group", H5R_OBJECT, -1);
    H5Rcreate(&seq[1], f, "vlen", H5R_OBJECT, -1);
    hvl_t rl[2] = {{2, seq}, {1, &seq[1]}};
    a = H5Acreate2(data, "ref_lists", rt, simple(2), H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, rt, rl);
    H5Aclose(a);

    /* /records: a compound {a: i8, r: object reference, b: i32}; in the file its members
     * follow each other, the reference 4 bytes wide. */
    hid_t ct = H5Tcreate(H5T_COMPOUND, sizeof(rec_t));
    H5Tinsert(ct, "a", HOFFSET(rec_t, a), H5T_NATIVE_CHAR);
    H5Tinsert(ct, "r", HOFFSET(rec_t, r), H5T_STD_REF_OBJ);
    H5Tinsert(ct, "b", HOFFSET(rec_t, b), H5T_NATIVE_INT);
    hid_t ft = H5Tcreate(H5T_COMPOUND, 1 + 8 + 4);
    H5Tinsert(ft, "a", 0, H5T_STD_I8LE);
    H5Tinsert(ft, "r", 1, H5T_STD_REF_OBJ);
    H5Tinsert(ft, "b", 9, H5T_STD_I32LE);
    rec_t recs[2];
    recs[0].a = 1;
    H5Rcreate(&recs[0].r, f, "data", H5R_OBJECT, -1);
    recs[0].b = -100;
    recs[1].a = 2;
    recs[1].b = 200;
    hid_t rd = H5Dcreate2(f, "records", ft, simple(2), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Rcreate(&recs[1].r, f, "records", H5R_OBJECT, -1);
    H5Dwrite(rd, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, recs);

    /* /vlen_records: a compound {a: i8, v: sequence of i16, b: i32}; in the file the
     * sequence member is 4 + 4 + 4 bytes wide. */
    hid_t st = H5Tvlen_create(H5T_NATIVE_SHORT);
    hid_t sft = H5Tvlen_create(H5T_STD_I16LE);
    hid_t vct = H5Tcreate(H5T_COMPOUND, sizeof(vrec_t));
    H5Tinsert(vct, "a", HOFFSET(vrec_t, a), H5T_NATIVE_CHAR);
    H5Tinsert(vct, "v", HOFFSET(vrec_t, v), st);
    H5Tinsert(vct, "b", HOFFSET(vrec_t, b), H5T_NATIVE_INT);
    hid_t vft = H5Tcreate(H5T_COMPOUND, 1 + 16 + 4);
    H5Tinsert(vft, "a", 0, H5T_STD_I8LE);
    H5Tinsert(vft, "v", 1, sft);
    H5Tinsert(vft, "b", 17, H5T_STD_I32LE);
    short w[3] = {-1, 2, 300};
    vrec_t vr[2] = {{3, {3, w}, 33}, {4, {0, NULL}, -44}};
    hid_t vrd = H5Dcreate2(f, "vlen_records", vft, simple(2), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(vrd, vct, H5S_ALL, H5S_ALL, H5P_DEFAULT, vr);
    H5Dclose(vrd);

    /* /compact_self: compact storage, a reference to itself and one to /cross_a. */
    hid_t ccpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(ccpl, H5D_COMPACT);
    hid_t cs = H5Dcreate2(f, "compact_self", H5T_STD_REF_OBJ, simple(2), H5P_DEFAULT, ccpl,
                          H5P_DEFAULT);
    hobj_ref_t two[2];
    H5Rcreate(&two[0], f, "compact_self", H5R_OBJECT, -1);
    H5Rcreate(&two[1], f, "cross_a", H5R_OBJECT, -1);
    H5Dwrite(cs, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, two);
    H5Dclose(cs);

    H5Dclose(rd);
    H5Dclose(vd);
    H5Dclose(regs);
    H5Dclose(ca);
    H5Dclose(cb);
    H5Dclose(objs);
    H5Dclose(data);
    H5Gclose(g);
    return H5Fclose(f) < 0;
}
