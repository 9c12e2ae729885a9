#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kconfig-verify.sh CONFIG FRAGMENT...
#
# Check that every option a fragment asks for is in the final .config with the
# value asked for.  merge_config.sh -m only warns about values that olddefconfig
# later drops (a missing dependency, a renamed symbol); the rig treats any such
# drop as an error, because a kernel without, say, KVM_XEN boots and then fails
# every case for a reason that has nothing to do with the case.

set -u

[ $# -ge 2 ] || { echo "usage: $0 CONFIG FRAGMENT..." >&2; exit 2; }
config=$1
shift
[ -f "$config" ] || { echo "kconfig-verify: no $config" >&2; exit 2; }

bad=0
for frag in "$@"; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			sym=${line%%=*}
			want=$line
			;;
		'# CONFIG_'*' is not set')
			sym=${line#\# }
			sym=${sym%% *}
			want=
			;;
		*) continue ;;
		esac
		have=$(grep -E "^$sym=" "$config" || true)
		if [ "$have" != "$want" ]; then
			echo "kconfig-verify: $frag: wanted '${want:-$sym unset}', got '${have:-$sym unset}'" >&2
			bad=1
		fi
	done < "$frag"
done
exit $bad
