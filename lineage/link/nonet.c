/*
 * nonet.c - stand-ins for what libgit2 would use for the network, linked
 * into every executable that links gi_lineage (lineage/CMakeLists.txt).
 * git-impact uses libgit2 on local repositories only: `sync` runs the git
 * binary for fetch and push.  Built with GI_LIBGIT2_STATIC when libgit2 is
 * linked from its static archive, and then also the SSH and GSSAPI stubs.
 */
#include <stdio.h>

/*
 * No TLS certificates, ever.  Debian's libgit2 is built with mbedTLS and
 * its git_libgit2_init() parses the whole system CA bundle (220 KB, about
 * 6.5 ms CPU) on every start, for its HTTPS transport.  These two loaders
 * load nothing and fail, so libgit2 keeps no CA chain: any TLS connection
 * it made would fail verification rather than trust anything.  Names and
 * signatures are mbedTLS 2.28's (mbedtls/x509_crt.h); the chain is never
 * touched.  With a shared libgit2 the executable exports them (notls.list,
 * a linker --dynamic-list) and libgit2 binds to them before libmbedx509's;
 * with the static archives the linker's --wrap sends libgit2's calls here.
 */
#ifdef GI_LIBGIT2_STATIC
#define NOTLS(name) __wrap_##name
#else
#define NOTLS(name) name
#endif
#define NOTLS_ERR_X509_FILE_IO_ERROR (-0x2900) /* MBEDTLS_ERR_X509_FILE_IO_ERROR */

int NOTLS(mbedtls_x509_crt_parse_file)(void *chain, const char *path);
int NOTLS(mbedtls_x509_crt_parse_path)(void *chain, const char *path);

int NOTLS(mbedtls_x509_crt_parse_file)(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return NOTLS_ERR_X509_FILE_IO_ERROR;
}

int NOTLS(mbedtls_x509_crt_parse_path)(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return NOTLS_ERR_X509_FILE_IO_ERROR;
}

#ifdef GI_LIBGIT2_STATIC
/*
 * What libgit2.a needs from libssh2 (its ssh:// transport) and GSSAPI
 * (Negotiate authentication over HTTP), neither of which git-impact uses:
 * linking them would load libssh2, libcrypto and the krb5 family on every
 * start.  git_libgit2_init() calls libssh2_init(), which succeeds; every
 * other stub says so on stderr and fails (NULL, -1 or GSS_S_FAILURE), so
 * libgit2 reports an error.  Only libgit2 calls them; the ABI lets these
 * argument-less definitions ignore the arguments it passes.
 */
static void nonet_reached(const char *name)
{
	fprintf(stderr, "error: git-impact does not use SSH or GSSAPI (%s called)\n", name);
}

#define NOSSH_INT(name) \
	int name(void); \
	int name(void) { nonet_reached(#name); return -1; }
#define NOSSH_PTR(name) \
	void *name(void); \
	void *name(void) { nonet_reached(#name); return NULL; }
#define NOSSH_VOID(name) \
	void name(void); \
	void name(void) { nonet_reached(#name); }
#define NOGSS(name) \
	unsigned name(void); \
	unsigned name(void) { nonet_reached(#name); return 13u << 16; /* GSS_S_FAILURE */ }

int libssh2_init(int flags);
int libssh2_init(int flags)
{
	(void)flags;
	return 0;
}

void libssh2_exit(void);
void libssh2_exit(void)
{
}

NOSSH_INT(libssh2_agent_connect)
NOSSH_INT(libssh2_agent_disconnect)
NOSSH_VOID(libssh2_agent_free)
NOSSH_INT(libssh2_agent_get_identity)
NOSSH_PTR(libssh2_agent_init)
NOSSH_INT(libssh2_agent_list_identities)
NOSSH_INT(libssh2_agent_userauth)
NOSSH_INT(libssh2_channel_close)
NOSSH_INT(libssh2_channel_free)
NOSSH_PTR(libssh2_channel_open_ex)
NOSSH_INT(libssh2_channel_process_startup)
NOSSH_INT(libssh2_channel_read_ex)
NOSSH_VOID(libssh2_channel_set_blocking)
NOSSH_INT(libssh2_channel_write_ex)
NOSSH_PTR(libssh2_hostkey_hash)
NOSSH_INT(libssh2_knownhost_checkp)
NOSSH_VOID(libssh2_knownhost_free)
NOSSH_PTR(libssh2_knownhost_init)
NOSSH_INT(libssh2_knownhost_readfile)
NOSSH_PTR(libssh2_session_abstract)
NOSSH_INT(libssh2_session_disconnect_ex)
NOSSH_INT(libssh2_session_free)
NOSSH_INT(libssh2_session_handshake)
NOSSH_PTR(libssh2_session_hostkey)
NOSSH_PTR(libssh2_session_init_ex)
NOSSH_INT(libssh2_session_last_error)
NOSSH_INT(libssh2_session_method_pref)
NOSSH_VOID(libssh2_session_set_blocking)
NOSSH_INT(libssh2_userauth_authenticated)
NOSSH_INT(libssh2_userauth_keyboard_interactive_ex)
NOSSH_PTR(libssh2_userauth_list)
NOSSH_INT(libssh2_userauth_password_ex)
NOSSH_INT(libssh2_userauth_publickey)
NOSSH_INT(libssh2_userauth_publickey_fromfile_ex)
NOSSH_INT(libssh2_userauth_publickey_frommemory)

NOGSS(gss_delete_sec_context)
NOGSS(gss_display_status)
NOGSS(gss_import_name)
NOGSS(gss_indicate_mechs)
NOGSS(gss_init_sec_context)
NOGSS(gss_release_buffer)
NOGSS(gss_release_name)
NOGSS(gss_release_oid_set)
void *GSS_C_NT_HOSTBASED_SERVICE = NULL; /* a gss_OID libgit2 only passes on */
#endif
