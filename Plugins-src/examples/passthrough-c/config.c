/*
 * config.c — the passthrough example's configuration and handle key.
 *
 * The module's "config" object from the server's JSON:
 *
 *     "root":     absolute path of the directory to serve (required)
 *     "key_file": absolute path of a 16-byte file holding the handle MAC key
 *                 (optional; created with random bytes when missing)
 *
 * Any other key is refused, so a typo does not silently change behaviour.
 *
 * Without "key_file" the key is kept in an extended attribute of the root
 * directory itself, in the trusted.* namespace: it then travels with the
 * exported tree (handles keep working if the tree is moved or the server
 * restarts), only CAP_SYS_ADMIN can read it on the server, and clients
 * cannot reach it because the module only passes user.* attributes through.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <json-c/json.h>

#include "passthrough.h"

#define PT_KEY_XATTR "trusted.chimera.passthrough.key"

/* Write one line into the caller's error buffer; always returns -1. */
__attribute__((format(printf, 3, 4)))
static int fail(char *error, size_t error_len, const char *fmt, ...)
{
    if (error != NULL && error_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(error, error_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A JSON string value as a C string; NULL when it is not a string or holds
 * an embedded NUL. */
static const char *json_plain_string(struct json_object *value)
{
    if (!json_object_is_type(value, json_type_string)) {
        return NULL;
    }
    const char *s = json_object_get_string(value);
    if (strlen(s) != (size_t)json_object_get_string_len(value)) {
        return NULL;
    }
    return s;
}

static int open_root(struct pt_module *m, const char *root, char *error, size_t error_len)
{
    if (root[0] != '/') {
        return fail(error, error_len, "config key \"root\": expected an absolute path, got \"%s\"", root);
    }
    /* The administrator's path may contain symlinks; clients' names never
     * are followed (passthrough.c). */
    m->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m->root_fd < 0) {
        int err = errno;
        if (err == ENOTDIR) {
            return fail(error, error_len, "config key \"root\": \"%s\" is not a directory", root);
        }
        return fail(error, error_len, "config key \"root\": cannot open \"%s\": %s", root, strerror(err));
    }

    struct stat st;
    if (fstat(m->root_fd, &st) != 0) {
        return fail(error, error_len, "config key \"root\": cannot stat \"%s\": %s", root, strerror(errno));
    }
    m->root_dev = st.st_dev;
    m->root_ino = st.st_ino;

    /* The root must have a handle we can carry and reopen. */
    union {
        struct file_handle fh;
        uint8_t            space[sizeof(struct file_handle) + PT_FH_KERNEL_MAX];
    } kh;
    kh.fh.handle_bytes = PT_FH_KERNEL_MAX;
    if (name_to_handle_at(m->root_fd, "", &kh.fh, &m->root_mount_id, AT_EMPTY_PATH) != 0) {
        int err = errno;
        if (err == EOVERFLOW) {
            return fail(error, error_len,
                        "config key \"root\": the file system of \"%s\" has file handles longer than %d bytes",
                        root, PT_FH_KERNEL_MAX);
        }
        return fail(error, error_len, "config key \"root\": the file system of \"%s\" has no file handles: %s",
                    root, strerror(err));
    }
    int probe = open_by_handle_at(m->root_fd, &kh.fh, O_PATH | O_CLOEXEC);
    if (probe < 0) {
        int err = errno;
        if (err == EPERM) {
            return fail(error, error_len,
                        "config key \"root\": opening \"%s\" by handle needs CAP_DAC_READ_SEARCH (run as root)", root);
        }
        return fail(error, error_len, "config key \"root\": cannot open \"%s\" by handle: %s", root, strerror(err));
    }
    close(probe);
    return 0;
}

static int random_key(uint8_t key[PT_SIPHASH_KEY_LEN])
{
    size_t got = 0;
    while (got < PT_SIPHASH_KEY_LEN) {
        ssize_t n = getrandom(key + got, PT_SIPHASH_KEY_LEN - got, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/* Read exactly a key from an open key file. */
static int read_key(int fd, uint8_t key[PT_SIPHASH_KEY_LEN])
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != PT_SIPHASH_KEY_LEN) {
        errno = EINVAL;
        return -1;
    }
    ssize_t n = pread(fd, key, PT_SIPHASH_KEY_LEN, 0);
    if (n != PT_SIPHASH_KEY_LEN) {
        errno = n < 0 ? errno : EINVAL;
        return -1;
    }
    return 0;
}

static int key_from_file(struct pt_module *m, const char *path, char *error, size_t error_len)
{
    if (path[0] != '/') {
        return fail(error, error_len, "config key \"key_file\": expected an absolute path, got \"%s\"", path);
    }

    /* A key that clients can read protects nothing. */
    char dir[CHIMERA_PATH_MAX];
    if (strlen(path) >= sizeof dir) {
        return fail(error, error_len, "config key \"key_file\": path too long");
    }
    strcpy(dir, path);
    int dirfd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        return fail(error, error_len, "config key \"key_file\": cannot open the directory of \"%s\": %s", path,
                    strerror(errno));
    }
    chimera_status_t beneath = pt_dir_beneath_root(m, dirfd);
    close(dirfd);
    if (beneath == CHIMERA_OK) {
        return fail(error, error_len,
                    "config key \"key_file\": \"%s\" lies beneath \"root\", where clients can read it", path);
    }

    /* Two tries: if another process creates the file between our open and
     * our create, we read theirs. */
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            int rc = read_key(fd, m->key);
            close(fd);
            if (rc != 0) {
                return fail(error, error_len,
                            "config key \"key_file\": \"%s\" must be a regular file of exactly %d bytes", path,
                            PT_SIPHASH_KEY_LEN);
            }
            return 0;
        }
        if (errno != ENOENT) {
            return fail(error, error_len, "config key \"key_file\": cannot open \"%s\": %s", path, strerror(errno));
        }

        uint8_t key[PT_SIPHASH_KEY_LEN];
        if (random_key(key) != 0) {
            return fail(error, error_len, "config key \"key_file\": getrandom: %s", strerror(errno));
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST) {
                continue;
            }
            return fail(error, error_len, "config key \"key_file\": cannot create \"%s\": %s", path, strerror(errno));
        }
        ssize_t n = write(fd, key, sizeof key);
        int err = errno;
        int synced = fsync(fd);
        close(fd);
        if (n != (ssize_t)sizeof key || synced != 0) {
            unlink(path);
            return fail(error, error_len, "config key \"key_file\": cannot write \"%s\": %s", path,
                        strerror(n < 0 ? err : EIO));
        }
        memcpy(m->key, key, sizeof key);
        return 0;
    }
    return fail(error, error_len, "config key \"key_file\": \"%s\" keeps appearing and disappearing", path);
}

static int key_from_root_xattr(struct pt_module *m, char *error, size_t error_len)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        ssize_t n = fgetxattr(m->root_fd, PT_KEY_XATTR, m->key, PT_SIPHASH_KEY_LEN);
        if (n == PT_SIPHASH_KEY_LEN) {
            return 0;
        }
        if (n >= 0 || errno == ERANGE) {
            return fail(error, error_len, "config key \"root\": the xattr %s on the root is not a %d-byte key",
                        PT_KEY_XATTR, PT_SIPHASH_KEY_LEN);
        }
        if (errno != ENODATA) {
            break;
        }
        uint8_t key[PT_SIPHASH_KEY_LEN];
        if (random_key(key) != 0) {
            return fail(error, error_len, "config key \"root\": getrandom: %s", strerror(errno));
        }
        if (fsetxattr(m->root_fd, PT_KEY_XATTR, key, sizeof key, XATTR_CREATE) == 0) {
            /* Make the key as durable as the handles it will sign. */
            fsync(m->root_fd);
            memcpy(m->key, key, sizeof key);
            return 0;
        }
        if (errno != EEXIST) {
            break;
        }
        /* Another process stored one first: read theirs. */
    }
    return fail(error, error_len,
                "config key \"key_file\": not set, and the root cannot keep the handle key in the xattr %s (%s)",
                PT_KEY_XATTR, strerror(errno));
}

int pt_config_load(struct pt_module *m, const char *config, char *error, size_t error_len)
{
    enum json_tokener_error jerr = json_tokener_success;
    struct json_object *obj = json_tokener_parse_verbose(config != NULL ? config : "{}", &jerr);
    if (obj == NULL) {
        return fail(error, error_len, "config: not valid JSON: %s", json_tokener_error_desc(jerr));
    }

    int rc = -1;
    const char *root = NULL;
    const char *key_file = NULL;
    if (!json_object_is_type(obj, json_type_object)) {
        fail(error, error_len, "config: expected a JSON object");
        goto out;
    }
    json_object_object_foreach(obj, key, value) {
        if (strcmp(key, "root") == 0) {
            root = json_plain_string(value);
            if (root == NULL) {
                fail(error, error_len, "config key \"root\": expected a string (an absolute path)");
                goto out;
            }
        } else if (strcmp(key, "key_file") == 0) {
            key_file = json_plain_string(value);
            if (key_file == NULL) {
                fail(error, error_len, "config key \"key_file\": expected a string (an absolute path)");
                goto out;
            }
        } else {
            fail(error, error_len, "config key \"%s\": unknown key (expected \"root\" or \"key_file\")", key);
            goto out;
        }
    }
    if (root == NULL) {
        fail(error, error_len, "config key \"root\": missing (expected the absolute path of the directory to serve)");
        goto out;
    }
    if (open_root(m, root, error, error_len) != 0) {
        goto out;
    }
    rc = key_file != NULL ? key_from_file(m, key_file, error, error_len)
                          : key_from_root_xattr(m, error, error_len);
out:
    json_object_put(obj);
    return rc;
}
