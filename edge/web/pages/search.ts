import "../lib/account.ts";
import { searchIds } from "../../../shared/web/pages/search-page-contract.ts";
import { enhanceMoreLink } from "../lib/more.ts";

enhanceMoreLink(searchIds.results);
