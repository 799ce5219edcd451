import { wireAuthForm } from "../lib/auth-form.ts";

wireAuthForm("signup");
