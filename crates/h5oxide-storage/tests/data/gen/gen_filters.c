/*
 * Writes the filter test vectors of h5oxide-storage with the HDF5 C library, and checks
 * chunks encoded by h5oxide by having the C library read them.
 *
 *   gen_filters gen OUTDIR
 *       For each configuration: a one-chunk dataset is written with libhdf5, its raw chunk
 *       is read back with H5Dread_chunk and saved as OUTDIR/NAME.chunk, with NAME.meta (the
 *       pipeline as stored: ids, flags, client data; the chunk's filter mask) and the data
 *       as OUTDIR/data_DATA.bin.
 *   gen_filters check NAME CHUNKFILE MASK EXPECTEDFILE
 *       Creates the dataset of configuration NAME, stores CHUNKFILE as its chunk with
 *       H5Dwrite_chunk and filter mask MASK, reads the dataset with H5Dread and compares it
 *       with EXPECTEDFILE. Exit 0: equal; 1: different or error; 2: a filter is missing.
 *
 * Build: h5cc -o gen_filters gen_filters.c -lzstd
 *   (or with -DH5OXIDE_NO_ZSTD and no -lzstd: the zstd configurations then report a
 *   missing filter)
 * Run with HDF5_PLUGIN_PATH=/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins (Debian).
 *
 * Debian's LZF and Bitshuffle plugins fail in their "set local" callback with libhdf5
 * 1.10.8 (the property list id they are given is not found), so their filter functions are
 * registered here without that callback and the parameters it would store are passed
 * explicitly: LZF (revision 4, LZF version 0x0105, chunk size in bytes), Bitshuffle
 * (version 0.3 of Debian's build, element size, block size, compression).
 *
 * There is no Debian package of the Zstandard HDF5 plugin, so filter 32015 is registered
 * here on top of libzstd, behaving as the HDF Group plugin does: one frame per chunk, and
 * on read the frame must record its content size.
 */
#include <dlfcn.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef H5OXIDE_NO_ZSTD
#include <zstd.h>
#endif

#define F_LZF 32000
#define F_LZ4 32004
#define F_BZIP2 307
#define F_BSHUF 32008
#define F_ZSTD 32015

/* ---- the in-program Zstandard filter ---- */

#ifndef H5OXIDE_NO_ZSTD

static size_t zstd_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[],
                          size_t nbytes, size_t *buf_size, void **buf) {
    void *out;
    size_t n;
    if (flags & H5Z_FLAG_REVERSE) {
        unsigned long long size = ZSTD_getFrameContentSize(*buf, nbytes);
        if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size == 0) {
            fprintf(stderr, "zstd: frame without a usable content size\n");
            return 0;
        }
        out = malloc(size);
        if (!out) return 0;
        n = ZSTD_decompress(out, size, *buf, nbytes);
        if (ZSTD_isError(n)) {
            fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(n));
            free(out);
            return 0;
        }
    } else {
        int level = cd_nelmts > 0 ? (int)cd_values[0] : 3;
        size_t cap = ZSTD_compressBound(nbytes);
        out = malloc(cap);
        if (!out) return 0;
        n = ZSTD_compress(out, cap, *buf, nbytes, level);
        if (ZSTD_isError(n)) {
            free(out);
            return 0;
        }
    }
    free(*buf);
    *buf = out;
    *buf_size = n;
    return n;
}

static const H5Z_class2_t ZSTD_CLASS = {
    H5Z_CLASS_T_VERS, (H5Z_filter_t)F_ZSTD, 1, 1, "zstd (libzstd, test program)", NULL, NULL,
    zstd_filter};
#endif

/* ---- test data ---- */

struct data {
    const char *name;
    hid_t type; /* set in main: native types are not constants */
    size_t elem;
    size_t count;
};

static void fill(const char *name, unsigned char *buf, size_t count) {
    size_t i;
    if (!strcmp(name, "steps_i32")) {
        for (i = 0; i < count; i++) {
            int32_t v = (int32_t)(i / 16) * 1000;
            memcpy(buf + 4 * i, &v, 4);
        }
    } else if (!strcmp(name, "ramp_i32") || !strcmp(name, "ramp_i32_1003")) {
        for (i = 0; i < count; i++) {
            int32_t v = (int32_t)(i * 3) - 1000;
            memcpy(buf + 4 * i, &v, 4);
        }
    } else if (!strcmp(name, "sine_f32")) {
        for (i = 0; i < count; i++) {
            float v = (float)(100.0 * sin((double)i / 40.0));
            memcpy(buf + 4 * i, &v, 4);
        }
    } else if (!strcmp(name, "ramp_u8_1001")) {
        for (i = 0; i < count; i++) buf[i] = (unsigned char)(i * 7 / 5);
    } else if (!strcmp(name, "noise_u8")) {
        uint64_t x = 0x9E3779B97F4A7C15ull;
        for (i = 0; i < count; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = (unsigned char)(x >> 32);
        }
    } else if (!strcmp(name, "ramp_f64")) {
        for (i = 0; i < count; i++) {
            double v = (double)i * 0.25 - 17.0;
            memcpy(buf + 8 * i, &v, 8);
        }
    }
}

/* ---- configurations ---- */

struct config {
    const char *name;
    const char *data;
};

static const struct config CONFIGS[] = {
    {"deflate", "ramp_i32"},
    {"shuffle_deflate", "sine_f32"},
    {"fletcher32", "ramp_i32"},
    {"fletcher32_odd", "ramp_u8_1001"},
    {"shuffle_deflate_fletcher32", "ramp_f64"},
    {"lzf", "steps_i32"},
    {"lzf_noise", "noise_u8"},
    {"lz4", "steps_i32"},
    {"lz4_blocks", "steps_i32"},
    {"lz4_noise", "noise_u8"},
    {"bzip2", "sine_f32"},
    {"bitshuffle", "ramp_i32_1003"},
    {"bitshuffle_lz4", "sine_f32"},
    {"bitshuffle_lz4_blocks", "ramp_i32_1003"},
    {"zstd", "ramp_i32"},
    {"shuffle_zstd", "sine_f32"},
};
#define NCONFIGS (sizeof(CONFIGS) / sizeof(CONFIGS[0]))

static int data_shape(const char *name, hid_t *type, size_t *elem, size_t *count) {
    if (!strcmp(name, "steps_i32")) { *type = H5T_NATIVE_INT32; *elem = 4; *count = 1024; }
    else if (!strcmp(name, "ramp_i32")) { *type = H5T_NATIVE_INT32; *elem = 4; *count = 1024; }
    else if (!strcmp(name, "ramp_i32_1003")) { *type = H5T_NATIVE_INT32; *elem = 4; *count = 1003; }
    else if (!strcmp(name, "sine_f32")) { *type = H5T_NATIVE_FLOAT; *elem = 4; *count = 1024; }
    else if (!strcmp(name, "ramp_u8_1001")) { *type = H5T_NATIVE_UINT8; *elem = 1; *count = 1001; }
    else if (!strcmp(name, "noise_u8")) { *type = H5T_NATIVE_UINT8; *elem = 1; *count = 2048; }
    else if (!strcmp(name, "ramp_f64")) { *type = H5T_NATIVE_DOUBLE; *elem = 8; *count = 512; }
    else return -1;
    return 0;
}

/* Adds the filters of configuration NAME; returns -2 if a plugin is missing. */
static int set_filters(hid_t dcpl, const char *name, size_t elem, size_t chunk_bytes) {
    unsigned v[4];
    if (!strcmp(name, "deflate")) return H5Pset_deflate(dcpl, 6);
    if (!strcmp(name, "shuffle_deflate")) {
        if (H5Pset_shuffle(dcpl) < 0) return -1;
        return H5Pset_deflate(dcpl, 4);
    }
    if (!strcmp(name, "fletcher32") || !strcmp(name, "fletcher32_odd"))
        return H5Pset_fletcher32(dcpl);
    if (!strcmp(name, "shuffle_deflate_fletcher32")) {
        if (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, 9) < 0) return -1;
        return H5Pset_fletcher32(dcpl);
    }
    if (!strcmp(name, "lzf") || !strcmp(name, "lzf_noise")) {
        if (H5Zfilter_avail(F_LZF) <= 0) return -2;
        v[0] = 4;
        v[1] = 0x0105;
        v[2] = (unsigned)chunk_bytes;
        return H5Pset_filter(dcpl, F_LZF, H5Z_FLAG_OPTIONAL, 3, v);
    }
    if (!strncmp(name, "lz4", 3)) {
        if (H5Zfilter_avail(F_LZ4) <= 0) return -2;
        if (!strcmp(name, "lz4")) return H5Pset_filter(dcpl, F_LZ4, H5Z_FLAG_MANDATORY, 0, NULL);
        v[0] = !strcmp(name, "lz4_blocks") ? 1000 : 512;
        return H5Pset_filter(dcpl, F_LZ4, H5Z_FLAG_MANDATORY, 1, v);
    }
    if (!strcmp(name, "bzip2")) {
        if (H5Zfilter_avail(F_BZIP2) <= 0) return -2;
        v[0] = 9;
        return H5Pset_filter(dcpl, F_BZIP2, H5Z_FLAG_MANDATORY, 1, v);
    }
    if (!strncmp(name, "bitshuffle", 10)) {
        unsigned b[5];
        if (H5Zfilter_avail(F_BSHUF) <= 0) return -2;
        b[0] = 0;
        b[1] = 3;
        b[2] = (unsigned)elem;
        b[3] = !strcmp(name, "bitshuffle_lz4_blocks") ? 64 : 0;
        b[4] = !strcmp(name, "bitshuffle") ? 0 : 2;
        return H5Pset_filter(dcpl, F_BSHUF, H5Z_FLAG_MANDATORY, 5, b);
    }
    if (!strcmp(name, "zstd") || !strcmp(name, "shuffle_zstd")) {
        if (H5Zfilter_avail(F_ZSTD) <= 0) return -2;
        if (!strcmp(name, "shuffle_zstd") && H5Pset_shuffle(dcpl) < 0) return -1;
        v[0] = 3;
        return H5Pset_filter(dcpl, F_ZSTD, H5Z_FLAG_MANDATORY, 1, v);
    }
    return -1;
}

static hid_t make_dataset(hid_t file, const struct config *c, size_t *nbytes, int *missing) {
    hid_t type, space, dcpl, dset;
    size_t elem, count;
    hsize_t dims[1];
    int r;
    *missing = 0;
    if (data_shape(c->data, &type, &elem, &count) < 0) return -1;
    dims[0] = count;
    *nbytes = elem * count;
    space = H5Screate_simple(1, dims, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, dims);
    r = set_filters(dcpl, c->name, elem, *nbytes);
    if (r == -2) *missing = 1;
    if (r < 0) {
        H5Pclose(dcpl);
        H5Sclose(space);
        return -1;
    }
    dset = H5Dcreate2(file, c->name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return dset;
}

static const struct config *find(const char *name) {
    size_t i;
    for (i = 0; i < NCONFIGS; i++)
        if (!strcmp(CONFIGS[i].name, name)) return &CONFIGS[i];
    return NULL;
}

static int write_file(const char *dir, const char *name, const char *ext, const void *buf,
                      size_t n) {
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
    f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", path);
        return -1;
    }
    fclose(f);
    return 0;
}

static unsigned char *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long len;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return buf;
}

static int gen(const char *dir) {
    char tmp[4096];
    hid_t file;
    size_t i;
    snprintf(tmp, sizeof tmp, "%s/gen_filters_tmp.h5", dir);
    file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) return 1;
    for (i = 0; i < NCONFIGS; i++) {
        const struct config *c = &CONFIGS[i];
        size_t nbytes, elem, count;
        int missing, k, nfilters;
        hid_t dset, type, dcpl;
        hsize_t off[1] = {0}, csize;
        uint32_t mask = 0;
        unsigned char *data, *chunk;
        char meta[8192];
        size_t m = 0;

        dset = make_dataset(file, c, &nbytes, &missing);
        if (dset < 0) {
            fprintf(stderr, "%s: %s\n", c->name, missing ? "filter missing" : "cannot create");
            return 1;
        }
        data_shape(c->data, &type, &elem, &count);
        data = calloc(1, nbytes);
        fill(c->data, data, count);
        if (H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) return 1;
        H5Dflush(dset);
        if (H5Dget_chunk_storage_size(dset, off, &csize) < 0) return 1;
        chunk = malloc((size_t)csize);
        if (H5Dread_chunk(dset, H5P_DEFAULT, off, &mask, chunk) < 0) return 1;

        m += (size_t)snprintf(meta + m, sizeof meta - m, "data %s\nelement_size %zu\nmask %u\n",
                              c->data, elem, (unsigned)mask);
        dcpl = H5Dget_create_plist(dset);
        nfilters = H5Pget_nfilters(dcpl);
        for (k = 0; k < nfilters; k++) {
            unsigned flags, cd[32], conf;
            size_t ncd = 32, j;
            char fname[256];
            H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)k, &flags, &ncd, cd, sizeof fname,
                                             fname, &conf);
            m += (size_t)snprintf(meta + m, sizeof meta - m, "filter %d %u", (int)id, flags);
            for (j = 0; j < ncd; j++)
                m += (size_t)snprintf(meta + m, sizeof meta - m, " %u", cd[j]);
            m += (size_t)snprintf(meta + m, sizeof meta - m, "\n");
        }
        H5Pclose(dcpl);
        if (write_file(dir, c->name, ".chunk", chunk, (size_t)csize) < 0 ||
            write_file(dir, c->name, ".meta", meta, m) < 0)
            return 1;
        {
            char dname[256];
            snprintf(dname, sizeof dname, "data_%s", c->data);
            if (write_file(dir, dname, ".bin", data, nbytes) < 0) return 1;
        }
        printf("%s: %llu bytes, mask %u\n", c->name, (unsigned long long)csize, (unsigned)mask);
        free(chunk);
        free(data);
        H5Dclose(dset);
    }
    H5Fclose(file);
    unlink(tmp);
    return 0;
}

static int check(const char *name, const char *chunk_path, unsigned mask, const char *expected_path) {
    const struct config *c = find(name);
    char tmp[] = "/tmp/h5oxide_filter_check_XXXXXX";
    size_t nbytes, chunk_len, expected_len, elem, count;
    unsigned char *chunk, *expected, *got;
    int fd, missing, ok;
    hid_t file, dset, type;
    hsize_t off[1] = {0};

    if (!c) {
        fprintf(stderr, "unknown configuration %s\n", name);
        return 1;
    }
    chunk = read_file(chunk_path, &chunk_len);
    expected = read_file(expected_path, &expected_len);
    if (!chunk || !expected) {
        fprintf(stderr, "cannot read inputs\n");
        return 1;
    }
    fd = mkstemp(tmp);
    if (fd < 0) return 1;
    close(fd);
    file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    dset = make_dataset(file, c, &nbytes, &missing);
    if (dset < 0) {
        H5Fclose(file);
        unlink(tmp);
        fprintf(stderr, "%s: %s\n", name, missing ? "filter missing" : "cannot create");
        return missing ? 2 : 1;
    }
    data_shape(c->data, &type, &elem, &count);
    if (H5Dwrite_chunk(dset, H5P_DEFAULT, mask, off, chunk_len, chunk) < 0) return 1;
    H5Dclose(dset);
    H5Fclose(file);

    /* Read back through a fresh open, so nothing comes from the chunk cache. */
    file = H5Fopen(tmp, H5F_ACC_RDONLY, H5P_DEFAULT);
    dset = H5Dopen2(file, name, H5P_DEFAULT);
    got = calloc(1, nbytes);
    if (H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, got) < 0) {
        fprintf(stderr, "%s: H5Dread failed\n", name);
        return 1;
    }
    ok = expected_len == nbytes && !memcmp(got, expected, nbytes);
    H5Dclose(dset);
    H5Fclose(file);
    unlink(tmp);
    printf("%s: %s\n", name, ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
}

/* Registers a plugin's filter function without its "set local" callback. */
static void register_without_set_local(const char *const *names, size_t n) {
    const char *dir = getenv("HDF5_PLUGIN_PATH");
    size_t i;
    if (!dir) return;
    for (i = 0; i < n; i++) {
        char path[4096];
        void *lib;
        const void *(*info)(void);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        lib = dlopen(path, RTLD_NOW);
        if (!lib) continue;
        *(void **)&info = dlsym(lib, "H5PLget_plugin_info");
        if (info) {
            H5Z_class2_t *copy = malloc(sizeof *copy);
            *copy = *(const H5Z_class2_t *)info();
            copy->set_local = NULL;
            if (H5Zregister(copy) >= 0) return;
        }
    }
}

int main(int argc, char **argv) {
#ifndef H5OXIDE_NO_ZSTD
    if (H5Zregister(&ZSTD_CLASS) < 0) return 1;
#endif
    {
        static const char *const lzf[] = {"libh5LZF.so", "liblzf_filter.so"};
        static const char *const bshuf[] = {"libh5bshuf.so"};
        register_without_set_local(lzf, 2);
        register_without_set_local(bshuf, 1);
    }
    if (argc == 3 && !strcmp(argv[1], "gen")) return gen(argv[2]);
    if (argc == 6 && !strcmp(argv[1], "check"))
        return check(argv[2], argv[3], (unsigned)strtoul(argv[4], NULL, 0), argv[5]);
    fprintf(stderr, "usage: %s gen OUTDIR | check NAME CHUNKFILE MASK EXPECTEDFILE\n", argv[0]);
    return 1;
}
