# shellcheck shell=bash
# firewall.sh - load the README's own router firewall ("Deploying on a
# router") into the test router, so the tests prove what the README tells
# an operator to run. The ruleset is cut out of the README itself, not
# copied: a change there is tested at once. lan0/wan0 become the test
# router's r0/r1. Needs $NS_RTR (tests/netns/lib.sh).

readme_ruleset() {
	# from "table inet filter {" to the closing brace of "table ip nat",
	# the README's 4-space indentation removed
	awk '/^    table inet filter \{/ { on = 1 }
		on { sub(/^    /, ""); print }
		on && /^\}/ && seen_nat { exit }
		on && /^table ip nat/ { seen_nat = 1 }' "$TOP/README" |
		sed 's/"lan0"/"r0"/g; s/"wan0"/"r1"/g'
}

# Replace the router's ruleset with the README's. lib.sh's own tables go:
# the README's are a superset (drop policy, masquerade to high ports).
readme_firewall() {
	local rs
	rs=$(readme_ruleset)
	case $rs in
	*"masquerade to :30000-65535"*"hook input"* | *"hook input"*"masquerade to :30000-65535"*) ;;
	*) die "README firewall not found or changed shape: $rs" ;;
	esac
	ip netns exec "$NS_RTR" nft flush ruleset
	echo "$rs" | ip netns exec "$NS_RTR" nft -f - ||
		die "README firewall refused by nft"
}
