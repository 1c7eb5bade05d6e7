/** Registers the HTTP API v1 (importing a module registers its routes). */
import "./health";
import "./claws";
import "./actions";
import "./operations";
import "./images";
import "./openapi";
import "./secrets";
import "./logs";
import "./console-data";
import "./console";
