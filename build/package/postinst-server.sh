#!/bin/sh
# latchkey-server postinst: the latchkey system user, the config file
# readable by it, and a restart of a running service on upgrade.
set -e
if [ "$1" = configure ]; then
	if ! getent group latchkey >/dev/null; then
		groupadd --system latchkey
	fi
	if ! getent passwd latchkey >/dev/null; then
		useradd --system --gid latchkey --home-dir /var/lib/latchkey --no-create-home \
			--shell /usr/sbin/nologin --comment "Latchkey server" latchkey
	fi
	chgrp latchkey /etc/latchkey/latchkey.yaml
	chmod 0640 /etc/latchkey/latchkey.yaml
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload >/dev/null || true
		systemctl try-restart latchkey-server.service >/dev/null || true
	fi
	if [ -z "$2" ]; then
		echo "latchkey-server: edit /etc/latchkey/latchkey.yaml, then: systemctl enable --now latchkey-server"
	fi
fi
exit 0
