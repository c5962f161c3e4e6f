#include "hdf5.h"
int main(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate("unfiltered_edge_chunks.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    hsize_t dims[2] = {10, 7}, chunk[2] = {4, 4};
    hid_t s = H5Screate_simple(2, dims, NULL);
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(p, 2, chunk);
    H5Pset_deflate(p, 6);
    H5Pset_chunk_opts(p, H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS);
    hid_t d = H5Dcreate2(f, "d", H5T_STD_I32LE, s, H5P_DEFAULT, p, H5P_DEFAULT);
    int v[70]; for (int i = 0; i < 70; i++) v[i] = i * 3 - 20;
    H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d); H5Pclose(p); H5Sclose(s); H5Fclose(f);
    return 0;
}
