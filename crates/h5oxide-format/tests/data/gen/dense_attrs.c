/* Writes dense_attrs.h5: a group "/g" with 200 small attributes "attr_000".."attr_199"
 * (int32 value i*3+1, creation order tracked and indexed) and one attribute "huge" of 20000
 * int32 values (v = i*7+3, 80000 bytes), stored as a 'huge' fractal heap object.
 * Build: h5cc -o dense_attrs dense_attrs.c && ./dense_attrs */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t file = H5Fcreate("dense_attrs.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    hid_t g = H5Gcreate2(file, "g", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    hid_t scalar = H5Screate(H5S_SCALAR);
    char name[32];
    for (int i = 0; i < 200; i++) {
        int v = i * 3 + 1;
        snprintf(name, sizeof name, "attr_%03d", i);
        hid_t a = H5Acreate2(g, name, H5T_STD_I32LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_INT, &v);
        H5Aclose(a);
    }
    hsize_t n = 20000;
    int *data = malloc(sizeof(int) * n);
    for (hsize_t i = 0; i < n; i++)
        data[i] = (int)(i * 7 + 3);
    hid_t space = H5Screate_simple(1, &n, NULL);
    hid_t a = H5Acreate2(g, "huge", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT, data);
    H5Aclose(a);
    H5O_info_t info;
    H5Oget_info(g, &info);
    printf("g object header at %llu\n", (unsigned long long)info.addr);
    free(data);
    H5Sclose(space);
    H5Sclose(scalar);
    H5Gclose(g);
    H5Pclose(gcpl);
    H5Fclose(file);
    H5Pclose(fapl);
    return 0;
}
