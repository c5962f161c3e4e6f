/* Writes chunks_btree2.h5: two 2-D int32 datasets of 20x18 elements with two unlimited
 * dimensions and 4x5 chunks (v2 B-tree chunk index): "plain" (no filters, record type 10) and
 * "deflate" (deflate level 6, record type 11). Element (r, c) = r * 1000 + c.
 * Prints H5Dget_chunk_info for every chunk into chunks_btree2.txt:
 * "<dataset> <offset0> <offset1> <filter_mask> <address> <size>".
 * Build: h5cc -o chunks_btree2 chunks_btree2.c && ./chunks_btree2 */
#include <hdf5.h>
#include <stdio.h>

static void make(hid_t file, const char *name, int deflate, FILE *out)
{
    hsize_t dims[2] = {20, 18}, maxdims[2] = {H5S_UNLIMITED, H5S_UNLIMITED}, chunk[2] = {4, 5};
    int data[20][18];
    for (int r = 0; r < 20; r++)
        for (int c = 0; c < 18; c++)
            data[r][c] = r * 1000 + c;
    hid_t space = H5Screate_simple(2, dims, maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    if (deflate)
        H5Pset_deflate(dcpl, 6);
    hid_t d = H5Dcreate2(file, name, H5T_STD_I32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dflush(d);
    hsize_t nchunks = 0;
    hid_t fspace = H5Dget_space(d);
    H5Dget_num_chunks(d, fspace, &nchunks);
    for (hsize_t i = 0; i < nchunks; i++) {
        hsize_t off[2];
        unsigned mask;
        haddr_t addr;
        hsize_t size;
        H5Dget_chunk_info(d, fspace, i, off, &mask, &addr, &size);
        fprintf(out, "%s %llu %llu %u %llu %llu\n", name, (unsigned long long)off[0],
                (unsigned long long)off[1], mask, (unsigned long long)addr, (unsigned long long)size);
    }
    H5Sclose(fspace);
    H5O_info_t info;
    H5Oget_info(d, &info);
    printf("%s object header at %llu\n", name, (unsigned long long)info.addr);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
}

int main(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t file = H5Fcreate("chunks_btree2.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    FILE *out = fopen("chunks_btree2.txt", "w");
    make(file, "plain", 0, out);
    make(file, "deflate", 1, out);
    fclose(out);
    H5Fclose(file);
    H5Pclose(fapl);
    return 0;
}
