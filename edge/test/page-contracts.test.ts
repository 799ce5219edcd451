/**
 * Page contracts (shared/web/pages/*-contract.ts) against the pages that render them. Each
 * page is rendered in every variant that changes which elements exist (empty or full lists,
 * translation on or off, …) and must hold exactly the ids of the contracts it is made of:
 * every declared id is rendered somewhere (a renamed id fails here, not in a browser), every
 * rendered id is declared (the JSX has no id a script could reach only by a bare string), and
 * no id appears twice in one page. The components are rendered directly, with fixtures, so
 * every branch is reached without the database.
 */
import { describe, expect, it } from "vitest";
import { type AssetManifest, PAGES } from "../../shared/web/asset-manifest.ts";
import { resetPasswordIds, verifyEmailIds } from "../../shared/web/pages/account-link-contract.ts";
import { accountIds } from "../../shared/web/pages/account-page-contract.ts";
import { adminDetailIds } from "../../shared/web/pages/admin-detail-contract.ts";
import { adminIds } from "../../shared/web/pages/admin-page-contract.ts";
import { authFormIds } from "../../shared/web/pages/auth-form-contract.ts";
import { confirmIds } from "../../shared/web/pages/confirm-dialog-contract.ts";
import type { ElementId } from "../../shared/web/pages/element-ids.ts";
import { homeIds } from "../../shared/web/pages/home-page-contract.ts";
import { layoutIds, pageDataIds } from "../../shared/web/pages/layout-contract.ts";
import { moreLinkIds } from "../../shared/web/pages/more-link-contract.ts";
import { processingPanelIds } from "../../shared/web/pages/processing-panel-contract.ts";
import { searchIds } from "../../shared/web/pages/search-page-contract.ts";
import { storyboardIds } from "../../shared/web/pages/storyboard-contract.ts";
import { studioIds } from "../../shared/web/pages/studio-page-contract.ts";
import { uploadIds } from "../../shared/web/pages/upload-page-contract.ts";
import { uploadProgressIds } from "../../shared/web/pages/upload-progress-contract.ts";
import { watchIds } from "../../shared/web/pages/watch-page-contract.ts";
import { ResetPasswordPage, VerifyEmailPage } from "../src/pages/account-link-page.tsx";
import { AccountPage } from "../src/pages/account-page.tsx";
import { AdminPage } from "../src/pages/admin-page.tsx";
import { AuthPage } from "../src/pages/auth-page.tsx";
import { ErrorPage } from "../src/pages/error-page.tsx";
import { HomePage } from "../src/pages/home-page.tsx";
import { SearchPage } from "../src/pages/search-page.tsx";
import { StudioPage } from "../src/pages/studio-page.tsx";
import { UploadPage } from "../src/pages/upload-page.tsx";
import { WatchPage } from "../src/pages/watch-page.tsx";

type Contract = Readonly<Record<string, ElementId>>;

const assets: AssetManifest = {
  styles: "/assets/styles.css",
  pages: Object.fromEntries(
    PAGES.map((page) => [page, { script: `/assets/${page}.js`, preload: [] as string[] }]),
  ) as AssetManifest["pages"],
  lazy: [],
  apiReference: "/assets/api-reference.js",
};
const now = Date.parse("2026-01-02T03:04:05Z");
const video = {
  id: "v1",
  title: "A video",
  durationMs: 83_000,
  posterUrl: null,
  ownerDisplayName: "Owner",
  createdAt: "2026-01-01T00:00:00.000Z",
};

/** Each page: its variants and the contracts it is made of. */
const pages: { name: string; variants: unknown[]; contracts: Contract[] }[] = [
  {
    name: "home",
    variants: [
      HomePage({ assets, now, page: { cards: [], nextCursor: null } }),
      HomePage({ assets, now, page: { cards: [video], nextCursor: "next" } }),
    ],
    contracts: [layoutIds, homeIds, moreLinkIds],
  },
  {
    name: "search",
    variants: [
      SearchPage({ assets, now, query: "" }),
      SearchPage({ assets, now, query: "x", problem: "Too long" }),
      SearchPage({ assets, now, query: "x", result: { hits: [], nextCursor: null, tookMs: 1 } }),
      SearchPage({
        assets,
        now,
        query: "x",
        result: {
          hits: [
            { video, matches: [{ field: "subtitle", snippet: "<mark>x</mark>", startMs: 1000, lang: "en" }] },
          ],
          nextCursor: "next",
          tookMs: 1,
        },
      }),
    ],
    contracts: [layoutIds, searchIds, moreLinkIds],
  },
  {
    name: "watch",
    variants: [
      WatchPage({ assets, now, videoId: "v1", meta: undefined }),
      WatchPage({
        assets,
        now,
        videoId: "v1",
        meta: {
          title: "A video",
          description: "About it",
          ownerDisplayName: "Owner",
          createdAt: video.createdAt,
        },
      }),
    ],
    contracts: [layoutIds, pageDataIds, watchIds, storyboardIds],
  },
  {
    name: "upload",
    variants: [
      UploadPage({ assets, translation: true, captions: true, maxBytes: 1 << 30 }),
      UploadPage({ assets, translation: false, captions: false, maxBytes: 1 << 30 }),
    ],
    contracts: [layoutIds, pageDataIds, uploadIds, uploadProgressIds, processingPanelIds, confirmIds],
  },
  {
    name: "studio",
    variants: [StudioPage({ assets, translation: true, captions: true })],
    contracts: [layoutIds, pageDataIds, studioIds, confirmIds],
  },
  {
    name: "admin",
    variants: [AdminPage({ assets })],
    contracts: [layoutIds, adminIds, adminDetailIds, confirmIds],
  },
  {
    name: "login and signup",
    variants: [AuthPage({ assets, kind: "login" }), AuthPage({ assets, kind: "signup" })],
    contracts: [layoutIds, authFormIds],
  },
  { name: "verify-email", variants: [VerifyEmailPage({ assets })], contracts: [layoutIds, verifyEmailIds] },
  {
    name: "reset-password",
    variants: [ResetPasswordPage({ assets })],
    contracts: [layoutIds, resetPasswordIds],
  },
  {
    name: "account",
    variants: [AccountPage({ assets })],
    contracts: [layoutIds, accountIds, confirmIds],
  },
  {
    name: "error",
    variants: [
      ErrorPage({ assets, status: 404, message: "Not here", requestId: "r1" }),
      ErrorPage({ assets, status: 500, message: "Broken", requestId: "r1" }),
    ],
    contracts: [layoutIds],
  },
];

/** The HTML of a rendered hono/jsx element (its toString may be async). */
async function html(element: unknown): Promise<string> {
  return String(await (element as { toString(): string | Promise<string> }).toString());
}

/** Every `id="…"` attribute (not `data-…-id`), in document order, repeats kept. */
function renderedIds(page: string): string[] {
  return [...page.matchAll(/\sid="([^"]*)"/g)].map((match) => match[1] ?? "");
}

describe("page contracts", () => {
  for (const { name, variants, contracts } of pages) {
    it(`the ${name} page renders exactly its contracts' ids`, async () => {
      const declared = contracts.flatMap((contract) => Object.values(contract) as string[]);
      expect(new Set(declared).size, "two contracts of one page declare the same id").toBe(declared.length);
      const seen = new Set<string>();
      for (const variant of variants) {
        const ids = renderedIds(await html(variant));
        expect(ids.length, "some id appears twice in one page").toBe(new Set(ids).size);
        expect(
          ids.filter((id) => !declared.includes(id)),
          "ids rendered but in no contract",
        ).toEqual([]);
        for (const id of ids) seen.add(id);
      }
      expect(
        declared.filter((id) => !seen.has(id)),
        "ids a contract declares that no variant renders",
      ).toEqual([]);
    });
  }

  it("finds ids the way the check above relies on", () => {
    expect(renderedIds('<p id="a" data-video-id="b"><i\nid="c"></i></p>')).toEqual(["a", "c"]);
  });
});
