/* Writes dense_links.h5: a group "/big" with 2000 hard links (dense link storage: a fractal
 * heap, a name-index v2 B-tree and a creation-order v2 B-tree) in the latest file format.
 * Build: h5cc -o dense_links dense_links.c && ./dense_links */
#include <hdf5.h>
#include <stdio.h>

int main(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t file = H5Fcreate("dense_links.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    hid_t big = H5Gcreate2(file, "big", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    hid_t target = H5Gcreate2(file, "target", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    char name[32];
    /* Names are created in a scrambled order so that creation order differs from name order. */
    for (int i = 0; i < 2000; i++) {
        int k = (i * 7919) % 2000;
        snprintf(name, sizeof name, "link_%04d", k);
        H5Lcreate_hard(target, ".", big, name, H5P_DEFAULT, H5P_DEFAULT);
    }
    H5O_info_t info;
    H5Oget_info(big, &info);
    printf("big object header at %llu\n", (unsigned long long)info.addr);
    H5Gclose(target);
    H5Gclose(big);
    H5Pclose(gcpl);
    H5Fclose(file);
    H5Pclose(fapl);
    return 0;
}
