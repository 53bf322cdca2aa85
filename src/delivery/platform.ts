/**
 * Image and host platforms (os/architecture/variant), and whether an image can run on a host. An image config
 * says `architecture: arm64` in Go's terms; `docker info` says the kernel's (`uname -m`: x86_64, aarch64,
 * armv7l). An image of the wrong architecture loads and pulls fine and fails only when its container starts
 * (`exec format error`), so the deploy compares the two before it changes anything.
 */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** `uname -m` (what `docker info` reports as Architecture) in Go's GOARCH terms, with the ARM variant. */
const KERNEL_ARCH: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' },
  amd64: { architecture: 'amd64' },
  i386: { architecture: '386' },
  i686: { architecture: '386' },
  aarch64: { architecture: 'arm64' },
  arm64: { architecture: 'arm64' },
  armv8l: { architecture: 'arm', variant: 'v8' },
  armv7l: { architecture: 'arm', variant: 'v7' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armv6l: { architecture: 'arm', variant: 'v6' },
  armv5tel: { architecture: 'arm', variant: 'v5' },
  ppc64le: { architecture: 'ppc64le' },
  s390x: { architecture: 's390x' },
  riscv64: { architecture: 'riscv64' },
  mips64: { architecture: 'mips64' },
};

/** The host's platform from `docker info`'s OSType and Architecture; undefined when either is empty. */
export function hostPlatform(osType: string, kernelArch: string): Platform | undefined {
  const os = osType.trim().toLowerCase();
  const arch = kernelArch.trim().toLowerCase();
  if (!os || !arch) return undefined;
  return { os, ...(KERNEL_ARCH[arch] ?? { architecture: arch }) };
}

/** The platform an image config (or `docker image inspect`) declares; undefined when it names no architecture. */
export function imagePlatform(config: {
  os?: unknown;
  architecture?: unknown;
  variant?: unknown;
}): Platform | undefined {
  const str = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : '');
  const architecture = str(config.architecture);
  if (!architecture) return undefined;
  const variant = str(config.variant);
  return { os: str(config.os) || 'linux', architecture, ...(variant && { variant }) };
}

/** `linux/arm64` → its parts (the form `--platform` and image.build.platform take). */
export function parsePlatform(text: string): Platform {
  const [os = '', architecture = '', variant] = text.trim().toLowerCase().split('/');
  return { os, architecture, ...(variant && { variant }) };
}

/** `linux/arm/v7`, `linux/amd64`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

/** ARM variants a host runs, newest first: a v7 kernel runs v6 and v5 binaries too. */
const ARM_VARIANTS = ['v8', 'v7', 'v6', 'v5'];

/**
 * Whether an image of platform `image` runs on `host` without emulation — what containerd's platform matcher
 * accepts for the host: the same os and architecture, 386 on amd64, 32-bit ARM on arm64, an older ARM variant
 * on a newer one. A variant either side does not state is not held against the image.
 */
export function runsOn(image: Platform, host: Platform): boolean {
  if (image.os !== host.os) return false;
  if (image.architecture === host.architecture) {
    if (image.architecture !== 'arm' || !image.variant || !host.variant) return true;
    return ARM_VARIANTS.indexOf(image.variant) >= ARM_VARIANTS.indexOf(host.variant);
  }
  if (host.architecture === 'amd64') return image.architecture === '386';
  if (host.architecture === 'arm64') return image.architecture === 'arm';
  return false;
}

/** What to tell the user when `image` cannot run on `host`: the one-line reason and the rebuild that fixes it. */
export function platformMismatch(
  ref: string,
  image: Platform | readonly Platform[],
  hostLabel: string,
  host: Platform,
): { reason: string; fix: string } {
  const want = formatPlatform(host);
  const is = (Array.isArray(image) ? image : [image]).map(formatPlatform).join(', ');
  return {
    reason: `image ${ref} is ${is}, host ${hostLabel} is ${want}`,
    fix:
      `build the image for the server's platform: let gangway build it (image.build; it builds for the hosts' ` +
      `platform, or image.build.platform: ${want}; --platform ${want} for one run), or docker buildx build ` +
      `--platform ${want} …`,
  };
}
