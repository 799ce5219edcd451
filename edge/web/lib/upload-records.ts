/**
 * Which video a file is being uploaded into, kept in localStorage beside tus-js-client's own
 * fingerprints (those map a file to its tus upload URL). After a reload or a crash, picking
 * the same file again finds its video here, so the upload continues into that video with a
 * fresh ticket instead of creating a second one. A file is recognised by what the browser
 * tells about it: name, size, type and modification time (what tus fingerprints use too).
 */

const KEY = "movio.uploads";
/** Records older than this are dropped: the farm has expired the upload long before. */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export interface FileIdentity {
  name: string;
  size: number;
  type: string;
  lastModified: number;
}

export interface UploadRecord {
  videoId: string;
  title: string;
  file: FileIdentity;
  /** Bytes known to be sent, for the "unfinished uploads" list. */
  sent: number;
  savedAt: number;
}

export const identityOf = (file: File): FileIdentity => ({
  name: file.name,
  size: file.size,
  type: file.type,
  lastModified: file.lastModified,
});

const sameFile = (a: FileIdentity, b: FileIdentity) =>
  a.name === b.name && a.size === b.size && a.type === b.type && a.lastModified === b.lastModified;

function readAll(): UploadRecord[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? "[]") as UploadRecord[];
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((r) => r && typeof r.videoId === "string" && Date.now() - r.savedAt < MAX_AGE_MS);
  } catch {
    return [];
  }
}

function writeAll(records: UploadRecord[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(records));
  } catch {
    // Storage full or disabled: resuming after a reload will not work, the upload still does.
  }
}

export const unfinishedUploads = (): UploadRecord[] => readAll();

export function recordFor(file: File): UploadRecord | undefined {
  const identity = identityOf(file);
  return readAll().find((r) => sameFile(r.file, identity));
}

export function saveRecord(record: Omit<UploadRecord, "savedAt">): void {
  const others = readAll().filter((r) => r.videoId !== record.videoId && !sameFile(r.file, record.file));
  writeAll([...others, { ...record, savedAt: Date.now() }]);
}

export function updateSent(videoId: string, sent: number): void {
  const records = readAll();
  const record = records.find((r) => r.videoId === videoId);
  if (!record) return;
  record.sent = sent;
  record.savedAt = Date.now();
  writeAll(records);
}

export function forgetRecord(videoId: string): void {
  writeAll(readAll().filter((r) => r.videoId !== videoId));
}
