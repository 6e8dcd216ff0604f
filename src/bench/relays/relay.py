"""The relay floor in Python 3 (src/bench/relay-floor.ts runs it): a plain
TCP echo or relay on one epoll loop (selectors), no crypto, no TUN,
TCP_NODELAY everywhere, as an interpreted single-threaded program does it.

  relay.py echo PORT          answer every byte
  relay.py relay PORT NEXT    forward both ways to NEXT:PORT

Prints "ready" once it listens.
"""
import selectors
import socket
import sys

BUFFER_BYTES = 65536


def no_delay(s):
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def main():
    role, port = sys.argv[1], int(sys.argv[2])
    next_host = sys.argv[3] if role == "relay" else None
    sel = selectors.DefaultSelector()
    server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("::", port))
    server.listen(4)
    sel.register(server, selectors.EVENT_READ, None)
    print("ready", flush=True)

    def close(*socks):
        for s in socks:
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()

    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is server:
                up, _ = server.accept()
                no_delay(up)
                if next_host is None:
                    sel.register(up, selectors.EVENT_READ, up)
                else:
                    down = socket.create_connection((next_host, port))
                    no_delay(down)
                    sel.register(up, selectors.EVENT_READ, down)
                    sel.register(down, selectors.EVENT_READ, up)
                continue
            peer = key.data
            try:
                data = s.recv(BUFFER_BYTES)
            except OSError:
                data = b""
            if not data:
                close(*{s, peer})
                continue
            try:
                peer.sendall(data)
            except OSError:
                close(*{s, peer})


if __name__ == "__main__":
    main()
