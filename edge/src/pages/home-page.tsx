import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { homeIds } from "../../../shared/web/pages/home-page-contract.ts";
import { moreLinkIds } from "../../../shared/web/pages/more-link-contract.ts";
import type { CardPage } from "../services/card-service.ts";
import { Layout } from "./layout.tsx";
import { VideoCardItem } from "./video-card.tsx";

/**
 * `/`: the newest public videos. "More videos" is a plain link to the next page (works
 * without JavaScript); the page script turns it into "append the next cards here".
 */
export function HomePage({ assets, page, now }: { assets: AssetManifest; page: CardPage; now: number }) {
  return (
    <Layout title="Movio" page="home" assets={assets}>
      <h1>Newest videos</h1>
      {page.cards.length === 0 ? (
        <div class="empty notice">
          <h2>No videos yet</h2>
          <p class="muted">
            Movio is ready. Sign up, then upload your first video: it appears here once it is processed and
            public.
          </p>
          <p class="actions">
            <a class="button primary" href="/signup">
              Sign up
            </a>
            <a class="button" href="/upload">
              Upload a video
            </a>
          </p>
        </div>
      ) : (
        <ul class="grid" id={homeIds.cards}>
          {page.cards.map((card) => (
            <VideoCardItem card={card} now={now} />
          ))}
        </ul>
      )}
      {page.nextCursor ? (
        <p class="more">
          <a class="button" id={moreLinkIds.link} href={`/?cursor=${encodeURIComponent(page.nextCursor)}`}>
            More videos
          </a>
        </p>
      ) : null}
    </Layout>
  );
}
