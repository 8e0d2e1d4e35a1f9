import { isIP } from 'node:net';
import { SanType } from '@certm3/domain';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Why a requested SAN is not a name of its type, or undefined. Names are certified exactly as requested,
 * so what cannot be a name (a DNS name with a space, an IP that is not one) is refused rather than mended.
 */
export function sanProblem(san: { readonly type: SanType; readonly value: string }): string | undefined {
  // DNS names, email addresses and URIs are IA5String in a certificate: ASCII only (an IDN as its A-label).
  if (!/^[\x21-\x7e]+$/.test(san.value)) return 'not printable ASCII (an IDN is given as its xn-- A-label)';
  switch (san.type) {
    case 'DNS': {
      const name = san.value.startsWith('*.') ? san.value.slice(2) : san.value;
      const labels = name.split('.');
      if (name.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label)))
        return 'not a DNS name of letters, digits and hyphens with at least two labels (a wildcard only as "*." first)';
      return undefined;
    }
    case 'IP':
      // A zone (fe80::1%eth0) names an interface of one host: no certificate can mean it.
      return isIP(san.value) === 0 || san.value.includes('%') ? 'not an IPv4 or IPv6 address' : undefined;
    case 'EMAIL':
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(san.value) ? undefined : 'not an email address';
    case 'URI': {
      try {
        const url = new URL(san.value);
        return url.protocol.length > 1 ? undefined : 'not an absolute URI';
      } catch {
        return 'not an absolute URI';
      }
    }
  }
}
