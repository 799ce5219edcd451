import "../lib/account.ts";
import { enhanceMoreLink } from "../lib/more.ts";

enhanceMoreLink("cards");
