package cli

import (
	"net"
	"os"
)

// sdNotify tells systemd about the service's state (sd_notify(3)): state
// is "READY=1" once serve listens, "STOPPING=1" when it shuts down. It
// writes one datagram to $NOTIFY_SOCKET (a path, or an abstract socket
// when it starts with @) and does nothing without it, so a Type=notify
// unit learns when the server answers and anything else is unaffected.
func sdNotify(state string) error {
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" {
		return nil
	}
	if name[0] == '@' {
		name = "\x00" + name[1:]
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(state))
	return err
}
