/** The visibility rules, in one place. */
export interface Viewer {
  id: string;
  role: "viewer" | "admin";
  /** The session (refresh token family) the access token was issued to, when it names one. */
  sessionId?: string;
}

interface Guarded {
  ownerId: string;
  visibility: "public" | "unlisted" | "private";
  status: string;
}

/**
 * Owners and admins see their videos in any state; anyone sees public and unlisted videos
 * once ready. Everything else is reported as missing (404), never as forbidden, so ids of
 * private videos leak nothing.
 */
export function canSee(video: Guarded, viewer: Viewer | undefined): boolean {
  if (viewer && canChange(video, viewer)) return true;
  return video.status === "ready" && video.visibility !== "private";
}

export function canChange(video: Guarded, viewer: Viewer): boolean {
  return viewer.role === "admin" || video.ownerId === viewer.id;
}
