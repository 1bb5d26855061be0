/* SPDX-License-Identifier: MIT */
#ifndef EVBPF_VERSION_H
#define EVBPF_VERSION_H

#define EVBPF_VERSION_MAJOR 0
#define EVBPF_VERSION_MINOR 1
#define EVBPF_VERSION_PATCH 0

/* 0xMMmmpp: compare with >= in preprocessor checks. */
#define EVBPF_VERSION_HEX                                                                          \
	((EVBPF_VERSION_MAJOR << 16) | (EVBPF_VERSION_MINOR << 8) | EVBPF_VERSION_PATCH)

#define EVBPF_STRINGIFY_(x) #x
#define EVBPF_STRINGIFY(x) EVBPF_STRINGIFY_(x)
#define EVBPF_VERSION_STRING                                                                       \
	EVBPF_STRINGIFY(EVBPF_VERSION_MAJOR)                                                       \
	"." EVBPF_STRINGIFY(EVBPF_VERSION_MINOR) "." EVBPF_STRINGIFY(EVBPF_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library linked at run time, as EVBPF_VERSION_HEX. */
__attribute__((visibility("default"))) unsigned int evbpf_version(void);
/* The same as a "major.minor.patch" string. */
__attribute__((visibility("default"))) const char *evbpf_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_VERSION_H */
