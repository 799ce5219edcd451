import type { Bindings } from "../src/env.ts";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../src/index.ts");
    }
    interface Env extends Bindings {
      /** Test only: a port that accepts TCP and never answers. */
      TEST_BLACKHOLE_PROXY: string;
      /** Test only: a database that is down, and the local bridge in front of it. */
      TEST_DOWN_DATABASE_URL: string;
      TEST_DOWN_DB_PROXY: string;
      /** Test only: a private JWK the edge does not trust (same kid as the real one). */
      TEST_FOREIGN_JWK: string;
    }
  }
}
