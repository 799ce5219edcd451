import type { z } from "@hono/zod-openapi";
import { raw } from "hono/html";
import type { SearchResultSchema } from "../../../shared/api/search.ts";
import type { AssetManifest } from "../../../shared/web/asset-manifest.ts";
import { age, clock, watchUrl } from "../../../shared/web/format.ts";
import { moreLinkIds } from "../../../shared/web/pages/more-link-contract.ts";
import { searchIds } from "../../../shared/web/pages/search-page-contract.ts";
import { Layout } from "./layout.tsx";

type SearchResult = z.output<typeof SearchResultSchema>;
type Hit = SearchResult["hits"][number];

export interface SearchPageProps {
  assets: AssetManifest;
  query: string;
  /** Undefined when there is nothing to search for yet, or when the query was refused. */
  result?: SearchResult | undefined;
  /** Why the query was refused, in words. */
  problem?: string | undefined;
  now: number;
}

/**
 * `/search?q=`: hits with their matches. Snippets come from the search service as safe HTML
 * (matched words in <mark>, everything else escaped), so they are inserted as markup; every
 * other value goes through JSX escaping. A subtitle match links to its moment.
 */
export function SearchPage({ assets, query, result, problem, now }: SearchPageProps) {
  const title = query ? `“${query}”` : "Search";
  return (
    <Layout title={query ? `${query} – search` : "Search"} page="search" assets={assets} query={query}>
      <h1>{query ? <>Results for {title}</> : "Search"}</h1>
      {problem ? (
        <p class="notice" role="alert">
          {problem}
        </p>
      ) : null}
      {!query && !problem ? (
        <p class="muted">
          Search titles, descriptions and the words spoken in subtitles. Use "quotes" for a phrase and -word
          to leave a word out.
        </p>
      ) : null}
      {result && result.hits.length === 0 ? (
        <p class="notice">No public video matches {title}. Try fewer or different words.</p>
      ) : null}
      {result && result.hits.length > 0 ? (
        <ol class="results" id={searchIds.results}>
          {result.hits.map((hit) => (
            <SearchHit hit={hit} now={now} />
          ))}
        </ol>
      ) : null}
      {result?.nextCursor ? (
        <p class="more">
          <a
            class="button"
            id={moreLinkIds.link}
            href={`/search?q=${encodeURIComponent(query)}&cursor=${encodeURIComponent(result.nextCursor)}`}
          >
            More results
          </a>
        </p>
      ) : null}
    </Layout>
  );
}

function SearchHit({ hit, now }: { hit: Hit; now: number }) {
  const { video } = hit;
  const title = hit.matches.find((m) => m.field === "title");
  const description = hit.matches.find((m) => m.field === "description");
  const moments = hit.matches.filter((m) => m.field === "subtitle");
  return (
    <li class="result">
      <div class="thumb">
        {video.posterUrl ? <img src={video.posterUrl} alt="" loading="lazy" decoding="async" /> : null}
        {video.durationMs === null ? null : <span class="duration">{clock(video.durationMs)}</span>}
      </div>
      <div>
        <h2>
          <a href={watchUrl(video.id)}>{title ? raw(title.snippet) : video.title}</a>
        </h2>
        <div class="card-meta">
          {video.ownerDisplayName} · <time datetime={video.createdAt}>{age(video.createdAt, now)}</time>
        </div>
        {description ? <p class="muted">{raw(description.snippet)}</p> : null}
        {moments.length > 0 ? (
          <ul class="matches">
            {moments.map((m) => (
              <li>
                <a href={watchUrl(video.id, m.startMs)}>
                  <span class="at">at {clock(m.startMs ?? 0)}</span> — …{raw(m.snippet)}…
                  {m.lang ? <span class="muted"> ({m.lang})</span> : null}
                </a>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </li>
  );
}
