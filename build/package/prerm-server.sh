#!/bin/sh
# latchkey-server prerm: stop the service before its binary goes. The data
# in /var/lib/latchkey and the latchkey user stay (purge keeps them too:
# remove them by hand once you have a backup you trust).
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
	systemctl disable --now latchkey-server.service >/dev/null || true
fi
exit 0
