#!/usr/bin/env bash
# tlsca.sh - a throwaway test PKI made with the openssl CLI.
#
#   tests/lib/tlsca.sh DIR [SAN...]
#
# Writes into DIR (created; the caller removes it):
#   ca.pem ca.key              "natport test CA", the CA the tests trust
#   other-ca.pem other-ca.key  a second CA nobody trusts (wrong-CA tests)
#   server.pem server.key      signed by ca; SANs from the arguments,
#                              default DNS:provider.test, IP:198.51.100.20,
#                              IP:127.0.0.1 (CN is the first name)
#   client.pem client.key      signed by ca, clientAuth (client-cert tests)
#   rogue.pem rogue.key        server.pem's names, signed by other-ca
#   chain.pem                  server.pem then ca.pem (a full chain)
# Keys are P-256 (fast) and mode 0600; certificates are valid for 2 days.
# Can also be sourced: tlsca_make DIR [SAN...].
set -eu

tlsca_make() {
	local d=$1
	shift
	local sans=("$@") san cn ext
	[ ${#sans[@]} -gt 0 ] ||
		sans=(DNS:provider.test IP:198.51.100.20 IP:127.0.0.1)
	san=$(
		IFS=,
		echo "${sans[*]}"
	)
	cn=${sans[0]#*:}
	mkdir -p "$d"
	(
		umask 077
		cd "$d"
		key() { openssl genpkey -algorithm EC \
			-pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
		ca() {
			key "$1.key"
			openssl req -x509 -new -key "$1.key" -days 2 -subj "/CN=$2" \
				-addext basicConstraints=critical,CA:TRUE \
				-addext keyUsage=critical,keyCertSign,cRLSign \
				-out "$1.pem" 2>/dev/null
		}
		# leaf NAME CA CN EXT
		leaf() {
			key "$1.key"
			openssl req -new -key "$1.key" -subj "/CN=$3" \
				-out "$1.csr" 2>/dev/null
			printf '%s\n' "$4" >"$1.ext"
			openssl x509 -req -in "$1.csr" -CA "$2.pem" \
				-CAkey "$2.key" -CAcreateserial -days 2 \
				-extfile "$1.ext" -out "$1.pem" 2>/dev/null
			rm -f "$1.csr" "$1.ext"
		}
		ca ca "natport test CA"
		ca other-ca "natport untrusted CA"
		ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san"
		leaf server ca "$cn" "$ext"
		leaf rogue other-ca "$cn" "$ext"
		leaf client ca "natport test client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
		cat server.pem ca.pem >chain.pem
		rm -f ./*.srl
		chmod 644 ./*.pem
	)
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	[ $# -ge 1 ] || {
		echo "usage: $0 DIR [SAN...]" >&2
		exit 2
	}
	tlsca_make "$@"
fi
