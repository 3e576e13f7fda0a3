"""Which addresses a download may connect to: public ones only, unless explicitly allowed.

A URL list or a crawled page can point anywhere: at the cloud metadata service
(169.254.169.254), at a router's admin page, at services on the machine itself. The host name is
resolved here, every address it resolves to is checked, and the connection is made to the checked
address (so a second DNS answer cannot swap in another one). Redirects are checked again, hop by
hop, by the fetcher.
"""

import ipaddress
import socket
import urllib.parse


class UnsafeAddressError(ValueError):
    """The URL's host resolves to an address downloads may not reach."""


# Cloud metadata services, refused even when private networks are allowed by a broad range.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(address) for address in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254"))


def parse_networks(values):
    """ip_network objects of CIDR strings or single addresses ("127.0.0.1", "10.0.0.0/8").

    Raises:
        ValueError naming the value that is not an address or a network.
    """
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(f"Expected an IP address or CIDR network in --allow-private, "
                             f"received {value!r}") from None
    return tuple(networks)


def is_public(address):
    """True for globally routable unicast addresses."""
    return address.is_global and not address.is_multicast


def check_address(address, allowed=()):
    """Raises UnsafeAddressError unless `address` (ip_address) is public or in `allowed`."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if address in METADATA_ADDRESSES and not any(
            network.num_addresses == 1 and address in network for network in allowed):
        raise UnsafeAddressError(f"{address} is a cloud metadata address")
    if is_public(address) or any(address in network for network in allowed):
        return
    kind = ("loopback" if address.is_loopback else "link-local" if address.is_link_local else
            "private" if address.is_private else "multicast" if address.is_multicast else
            "reserved or unspecified")
    raise UnsafeAddressError(f"{address} is a {kind} address (allow it with --allow-private)")


def resolve(url, allowed=()):
    """(scheme, host, port, checked IP address string) to connect to for `url`.

    Raises:
        ValueError for URLs that are not http(s) with a host; UnsafeAddressError when any
        address the host resolves to is not allowed; OSError when it does not resolve.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Expected an http(s) URL with a host, received {url[:200]!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OSError(f"cannot resolve {parts.hostname!r}: {error.strerror}") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        check_address(address, allowed)  # every answer: a mixed answer is refused
        addresses.append(address)
    return parts.scheme, parts.hostname, port, str(addresses[0])
