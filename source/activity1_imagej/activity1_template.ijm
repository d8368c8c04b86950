// Activity 1, ImageJ track: save file outputs
// Course "Output saving", adapted from the NEUBIAS training module (CC BY 4.0).
//
// This macro runs the given analysis of the random-shapes image: it labels the
// white shapes, keeps those of 0 to 1000 pixels, measures them and adds their
// outlines to the ROI Manager. Your work: add the saving steps where it says
// "SAVE". Run it in Fiji with Plugins > Macros > Run... (or open it with
// Plugins > Macros > Edit... and click Run).

// -- Where the input is and where the outputs go ------------------------------
// In Fiji, run with no argument: the input image is next to this macro file and
// the outputs go into the folder "output" next to it. The grader runs the
// macro with one argument, "<input folder>|<output folder>", to use other
// folders. Leave this part as it is, and build every output path from outputDir.
argument = getArgument();
if (argument == "") {
	macroFile = getInfo("macro.filepath");
	if (macroFile == "null" || macroFile == "")
		exit("Save this macro next to the image, then run it with Plugins > Macros > Run...");
	inputDir = File.getDirectory(macroFile);
	outputDir = inputDir + "output" + File.separator;
} else {
	folders = split(argument, "|");
	inputDir = folders[0];
	outputDir = folders[1];
}
File.makeDirectory(outputDir);
inputImage = inputDir + "xy_8bit_binary__random_shapes.tif";

// -- Settings ---------------------------------------------------------------------
minSize = 0;    // smallest object area kept, in pixels
maxSize = 1000; // largest object area kept, in pixels

// -- Start clean: no ROIs, results or images left from an earlier run ----------
roiManager("reset");
run("Clear Results");
close("*");

// -- The analysis -------------------------------------------------------------------
setOption("BlackBackground", true);
run("Set Measurements...", "area centroid center perimeter bounding redirect=None decimal=3");
open(inputImage);
run("Analyze Particles...", "size=" + minSize + "-" + maxSize + " pixel show=[Count Masks] display add");
// The count mask is now the active image: a label image in which every object
// has its own number (1, 2, 3, ...) and the background is 0. Show it with
// colours made for labels.
showWithLabelColours();

// -- Save the outputs ---------------------------------------------------------------
// Build each file's path from outputDir, as in outputDir + "file name", with a
// name that says what the file holds. Plugins > Macros > Record... shows the
// macro command of what you do with the menus.

// SAVE 1: the count mask (the active image), as TIFF.

// SAVE 2: the results table, as tab-delimited text.

// SAVE 3: the ROIs of the ROI Manager, as one ROI set (.zip).

print("Done: the outputs are in " + outputDir);

// -- Helpers ---------------------------------------------------------------------------
// Shows the active image with a lookup table (LUT) made for labels: "glasbey"
// in Fiji; plain ImageJ has no glasbey, so there it uses "3-3-2 RGB".
function showWithLabelColours() {
	List.setCommands;
	if (List.get("glasbey") != "")
		run("glasbey");
	else
		run("3-3-2 RGB");
}
