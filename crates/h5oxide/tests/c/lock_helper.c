/* Test helper run as a child process: the C library's side of the locking, consistency
 * flag, user block and SWMR tests. Usage: lock_helper COMMAND FILE [N]
 *   open-rdonly     open read-only and close; exit 0 if the open succeeded, 1 if not
 *   open-rdwr       open read-write and close; exit 0 / 1
 *   hold-rdwr       open read-write, print "ready", wait for a line on stdin, close
 *   hold-rdonly     the same, read-only
 *   crash           create (latest format) with /data = 0..9, close, reopen read-write,
 *                   flush, then abort() so the superblock's consistency flags stay set
 *   userblock       create with a 1024-byte user block (latest format), /data = 0..9
 *   swmr-write N    create (latest format) /data: int64, chunked (chunk 7), unlimited;
 *                   start SWMR writing, print "ready", wait for a line on stdin (the
 *                   reader has opened the file), then append rows one batch of 3
 *                   at a time (value = row index) with H5Dset_extent + H5Dwrite +
 *                   H5Dflush until N rows, print "done", wait for a line on stdin, close */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static hid_t latest_fapl(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    return fapl;
}

static void wait_line(void) {
    char buf[64];
    if (!fgets(buf, sizeof buf, stdin)) { /* parent closed the pipe: finish too */ }
}

static int write_data(hid_t f) {
    long long v[10];
    hsize_t n = 10;
    for (int i = 0; i < 10; i++) v[i] = i;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(f, "data", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0) return -1;
    herr_t r = H5Dwrite(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    H5Sclose(sp);
    return r < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    const char *cmd = argv[1], *path = argv[2];
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(cmd, "open-rdonly") || !strcmp(cmd, "open-rdwr")) {
        hid_t f = H5Fopen(path, !strcmp(cmd, "open-rdwr") ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f < 0) return 1;
        H5Fclose(f);
        return 0;
    }
    if (!strcmp(cmd, "hold-rdwr") || !strcmp(cmd, "hold-rdonly")) {
        hid_t f = H5Fopen(path, !strcmp(cmd, "hold-rdwr") ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f < 0) return 1;
        printf("ready\n");
        wait_line();
        H5Fclose(f);
        return 0;
    }
    if (!strcmp(cmd, "crash")) {
        hid_t fapl = latest_fapl();
        hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        if (f < 0 || write_data(f) < 0) return 1;
        H5Fclose(f);
        f = H5Fopen(path, H5F_ACC_RDWR, fapl);
        if (f < 0) return 1;
        H5Fflush(f, H5F_SCOPE_GLOBAL);
        abort();
    }
    if (!strcmp(cmd, "userblock")) {
        hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
        H5Pset_userblock(fcpl, 1024);
        hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, latest_fapl());
        if (f < 0 || write_data(f) < 0) return 1;
        return H5Fclose(f) < 0;
    }
    if (!strcmp(cmd, "swmr-write") && argc > 3) {
        hsize_t total = (hsize_t)atoll(argv[3]);
        hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, latest_fapl());
        if (f < 0) return 1;
        hsize_t zero = 0, unlim = H5S_UNLIMITED, chunk = 7;
        hid_t sp = H5Screate_simple(1, &zero, &unlim);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 1, &chunk);
        hid_t d = H5Dcreate2(f, "data", H5T_STD_I64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d < 0 || H5Fstart_swmr_write(f) < 0) return 1;
        printf("ready\n");
        wait_line();
        hsize_t rows = 0;
        while (rows < total) {
            hsize_t add = total - rows < 3 ? total - rows : 3, next = rows + add;
            long long v[3];
            for (hsize_t i = 0; i < add; i++) v[i] = (long long)(rows + i);
            if (H5Dset_extent(d, &next) < 0) return 1;
            hid_t fs = H5Dget_space(d);
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, &rows, NULL, &add, NULL);
            hid_t ms = H5Screate_simple(1, &add, NULL);
            if (H5Dwrite(d, H5T_NATIVE_LLONG, ms, fs, H5P_DEFAULT, v) < 0) return 1;
            H5Sclose(ms);
            H5Sclose(fs);
            if (H5Dflush(d) < 0) return 1;
            rows = next;
            usleep(2000);
        }
        printf("done\n");
        wait_line();
        H5Dclose(d);
        return H5Fclose(f) < 0;
    }
    return 2;
}
