/**
 * Image delivery: getting `name:tag` onto a host's Docker engine before the apply starts.
 * Three modes (image.delivery): `registry` (docker pull on the host, login through stdin), `archive`
 * (a prebuilt tar or `docker save`, streamed compressed over SSH into `docker load`), `build` (the build
 * context streamed as a tar into `docker build` on the host).
 */
import type { Host, TransferProgress } from '../hosts/host.js';
import type { Secret } from '../redact/secret.js';

export interface DeliveryRequest {
  /** `name:tag` as the compose file refers to it. */
  image: string;
  mode: 'registry' | 'archive' | 'build' | 'sync';
  /** archive mode: a prebuilt image tar on this machine; without it, `docker save image` of the local engine. */
  archive?: string;
  /**
   * build mode: the build context directory on this machine (default: the directory of the first compose file's service
   * build, or the project dir).
   */
  context?: string;
  /** build mode: Dockerfile path relative to the context (default Dockerfile). */
  dockerfile?: string;
  /** registry mode: pull this manifest digest (`name@sha256:…`), then tag it `image` — what image.build pushed. */
  digest?: string;
  /** registry mode: credentials for `docker login` (password through stdin only). */
  registry?: { server: string; username: string; password: Secret };
  /** Transfer progress (archive, build), at most every 100 ms and once at the end. */
  onProgress?: (p: DeliveryProgress) => void;
  /** Progress lines from the host (pull/build output), already meant for display after scrubbing. */
  onLog?: (line: string) => void;
  /** The run's scrubber: error lines are masked with it before they are cut to length (a cut secret escapes it). */
  mask?: (text: string) => string;
  /** build mode: absolute paths of files never sent in the build context (the env file and its copies). */
  exclude?: string[];
  /** Stops the delivery: the host command is stopped, a local `docker save` is killed. */
  signal?: AbortSignal;
}

/**
 * `bytes`: uncompressed image bytes read (archive: of the tar; build: of the context tar); `total`: their
 * number when known (an uncompressed prebuilt archive's size; the build context's). `sent`: bytes sent to the
 * host after compression.
 */
export interface DeliveryProgress extends TransferProgress {
  sent: number;
}

export interface DeliveryResult {
  /** The image id (`sha256:…`) now on the host. */
  imageId: string;
  /** Bytes sent from this machine (0 for a registry pull). */
  bytesSent: number;
  durationMs: number;
  /** What the mode did, for the step's line (sync: the layers skipped and sent). */
  note?: string;
}

export type Deliver = (host: Host, request: DeliveryRequest) => Promise<DeliveryResult>;
