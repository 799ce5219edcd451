import { age, clock, watchUrl } from "../../../shared/web/format.ts";
import type { VideoCard } from "../services/card-service.ts";

/** One video in a grid: poster with its duration, title, owner and age. */
export function VideoCardItem({ card, now }: { card: VideoCard; now: number }) {
  return (
    <li class="card">
      <a href={watchUrl(card.id)}>
        <div class="thumb">
          {card.posterUrl ? <img src={card.posterUrl} alt="" loading="lazy" decoding="async" /> : null}
          {card.durationMs === null ? null : <span class="duration">{clock(card.durationMs)}</span>}
        </div>
        <div class="card-title">{card.title}</div>
      </a>
      <div class="card-meta">
        {card.ownerDisplayName} · <time datetime={card.createdAt}>{age(card.createdAt, now)}</time>
      </div>
    </li>
  );
}
