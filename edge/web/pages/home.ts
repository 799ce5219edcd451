import "../lib/account.ts";
import { homeIds } from "../../../shared/web/pages/home-page-contract.ts";
import { enhanceMoreLink } from "../lib/more.ts";

enhanceMoreLink(homeIds.cards);
